// The bridge's one renderer for errors, for its audience: MCP clients get a JSON-RPC error body
// with an HTTP status, and the request log gets what the people running the bridge need. A
// BridgeError's message and hint are public words (they say which step failed and what to do);
// anything else is a bug, whose details (message, stack) go to the log only, since they may
// name files, hosts or values the client has no business seeing.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BridgeError } from '../errors.js'
import {
  BRIDGE_ERROR,
  LOGIN_REQUIRED_ERROR,
  errorResponse,
  type JsonRpcId,
} from '../proxy/jsonrpc.js'
import type { RequestLogEntry } from './log-entry.js'

export interface ErrorAnswer {
  status: number
  body: object
}

/** What a client is told when the bridge fails in a way it did not expect. */
export const UNEXPECTED_ERROR_TEXT =
  'The bridge failed on this request (a bug in mcp-oauth-bridge). Its request log, logs/requests.log, has the details.'

/**
 * A failure the bridge reports itself: a request with an id gets a JSON-RPC error with HTTP 200
 * (every client shows the message to the user); anything else an HTTP error status with the
 * same body: 502 when the upstream failed, else 503.
 */
export function failureAnswer(
  error: unknown,
  request: { id: JsonRpcId | undefined; method: string | undefined },
): ErrorAnswer {
  const known = error instanceof BridgeError ? error : undefined
  const message = known
    ? `${known.message}${known.hint ? ` ${known.hint}` : ''}`
    : UNEXPECTED_ERROR_TEXT
  const code =
    known && (known.code === 'LOGIN_REQUIRED' || known.code === 'INSUFFICIENT_SCOPE')
      ? LOGIN_REQUIRED_ERROR
      : BRIDGE_ERROR
  const status =
    request.id !== undefined && request.id !== null && request.method === 'POST'
      ? 200
      : known?.code === 'UPSTREAM_FAILED'
        ? 502
        : 503
  return { status, body: errorResponse(request.id ?? null, code, message) }
}

/** The answer to a request the bridge could not finish because of a bug: 500, short and public. */
export function unexpectedAnswer(): ErrorAnswer {
  return { status: 500, body: errorResponse(null, BRIDGE_ERROR, UNEXPECTED_ERROR_TEXT) }
}

/** The error's stack on one log line (the request log has one line per request). */
export function stackNote(error: unknown): string {
  const text =
    error instanceof Error
      ? (error.stack ?? `${error.name}: ${error.message}`)
      : `thrown: ${String(error)}`
  return `unexpected error: ${text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' | ')}`
}

/**
 * The bridge's `onError`: the last stop of a request that threw. Logs the stack to the request
 * log and answers a short public message; a response already under way is cut off instead,
 * so the client sees a broken answer rather than a wrong one.
 */
export function createOnError(
  log: (entry: RequestLogEntry) => void,
): (error: unknown, req: IncomingMessage, res: ServerResponse, startedAt?: number) => void {
  return (error, req, res, startedAt) => {
    const path = safePath(req.url)
    const server = /^\/mcp\/([A-Za-z0-9_-]+)/.exec(path)?.[1] ?? '-'
    const status = res.headersSent ? 0 : 500
    log({
      server,
      method: `${req.method ?? '?'} ${path}`,
      status,
      ms: startedAt === undefined ? 0 : performance.now() - startedAt,
      note: stackNote(error),
    })
    if (res.headersSent) {
      res.destroy()
      return
    }
    const answer = unexpectedAnswer()
    const text = JSON.stringify(answer.body)
    res
      .writeHead(answer.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      })
      .end(text)
  }
}

function safePath(url: string | undefined): string {
  try {
    // The path only: a query may carry a login nonce.
    return new URL(url ?? '/', 'http://bridge').pathname
  } catch {
    return '?'
  }
}
