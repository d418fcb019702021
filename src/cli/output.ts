// How the command line talks: results on stdout (they pipe), progress and errors on stderr,
// colour only on a terminal and never with NO_COLOR. The terminal's one renderer of errors
// (the bridge's, for MCP clients, is src/server/error-answer.ts).
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

/** An error in a person's words: what failed and, when known, what to do next. */
export interface ErrorText {
  message: string
  hint?: string
  /** Not a BridgeError: a bug, shown with its details so it can be reported. */
  unexpected: boolean
}

export function describeError(error: unknown): ErrorText {
  if (error instanceof BridgeError)
    return {
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      unexpected: false,
    }
  return {
    message: `Unexpected error (a bug, please report it):\n${inspect(error)}`,
    unexpected: true,
  }
}

/** Prints an error for a person and returns the exit status: 2 for bad usage, else 1. */
export function reportError(error: unknown, streams: Streams, env: NodeJS.ProcessEnv): number {
  const colour = Boolean(streams.stderr.isTTY) && !env.NO_COLOR
  const cross = colour ? '\u001b[31m✖\u001b[0m' : '✖'
  const text = describeError(error)
  streams.stderr.write(`${cross} ${text.message}\n${text.hint ? `  ${text.hint}\n` : ''}`)
  if (env.MCP_OAUTH_BRIDGE_DEBUG && error instanceof BridgeError && error.cause)
    streams.stderr.write(`${inspect(error.cause)}\n`)
  return error instanceof BridgeError && error.code === 'BAD_USAGE' ? 2 : 1
}
