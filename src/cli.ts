#!/usr/bin/env node
// The executable: hands argv and the process's streams to main() and exits with its status.
import { setFlagsFromString } from 'node:v8'

// `stdio` relays lines for as long as its client runs, and its own work per message is a few
// string operations: the time goes to system calls and node:http. V8's optimizing compilers would
// buy it nothing measurable and costs some 8 MiB of code and compile memory (docs/benchmark.md),
// so the plain relay runs without it. It is switched off before any code runs, which is when the
// switch takes full effect; `--standalone` runs a whole bridge and keeps it.
const argv = process.argv.slice(2)
if (argv[0] === 'stdio' && !argv.includes('--standalone'))
  setFlagsFromString('--no-turbofan --no-maglev')

const { main } = await import('./cli/main.js')
const status = await main(
  argv,
  { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
  process.env,
)
process.exitCode = status
