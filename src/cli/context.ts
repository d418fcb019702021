// What every command gets: where the files are, how to talk, and the process's edges
// (environment, streams), passed in so tests can run commands in-process.
import { resolvePaths, type BridgePaths } from '../config/paths.js'
import { createOutput, type Output, type Streams } from './output.js'

export interface CliContext extends Streams {
  paths: BridgePaths
  env: NodeJS.ProcessEnv
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  out: Output
}

export function createContext(streams: Streams & { stdin: CliContext['stdin'] }, env: NodeJS.ProcessEnv): CliContext {
  return { ...streams, env, paths: resolvePaths(env), out: createOutput(streams, env) }
}
