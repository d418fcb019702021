// How the command line talks: results on stdout (they pipe), progress and errors on stderr,
// colour only on a terminal and never with NO_COLOR. The only place an error becomes text.
import { inspect } from 'node:util'
import { BridgeError } from '../errors.js'

export interface Output {
  /** A result a script may read (stdout). */
  result(text: string): void
  /** A step in progress (stderr). */
  progress(text: string): void
  success(text: string): void
  warn(text: string): void
}

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
}

export function createOutput(streams: Streams, env: NodeJS.ProcessEnv): Output {
  const colour = Boolean(streams.stderr.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb'
  const paint = (code: string, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text)
  return {
    result: (text) => streams.stdout.write(`${text}\n`),
    progress: (text) => streams.stderr.write(`${paint('2', '→')} ${text}\n`),
    success: (text) => streams.stderr.write(`${paint('32', '✔')} ${text}\n`),
    warn: (text) => streams.stderr.write(`${paint('33', '!')} ${text}\n`),
  }
}

/** Prints an error for a person and returns the exit status: 2 for bad usage, else 1. */
export function reportError(error: unknown, streams: Streams, env: NodeJS.ProcessEnv): number {
  const colour = Boolean(streams.stderr.isTTY) && !env.NO_COLOR
  const cross = colour ? '\u001b[31m✖\u001b[0m' : '✖'
  if (error instanceof BridgeError) {
    streams.stderr.write(`${cross} ${error.message}\n${error.hint ? `  ${error.hint}\n` : ''}`)
    if (env.MCP_OAUTH_BRIDGE_DEBUG && error.cause) streams.stderr.write(`${inspect(error.cause)}\n`)
    return error.code === 'BAD_USAGE' ? 2 : 1
  }
  streams.stderr.write(`${cross} Unexpected error (a bug, please report it):\n${inspect(error)}\n`)
  return 1
}
