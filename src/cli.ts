#!/usr/bin/env node
// The executable: hands argv and the process's streams to main() and exits with its status.
import { main } from './cli/main.js'

const status = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, process.env)
process.exitCode = status
