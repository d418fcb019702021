// What the bridge tells a client when the upstream fails partway: an answer broken off, an error
// page instead of JSON-RPC, or silence past the configured limit. Each becomes a JSON-RPC error
// for every request the answer still owed, so a client shows the server's name and what happened
// instead of a dropped connection or a transport error.
import { STATUS_CODES, type ServerResponse } from 'node:http'
import { BRIDGE_ERROR, errorResponse, type JsonRpcId, type JsonRpcMessage } from './jsonrpc.js'

/** What the relay needs to know to answer for an upstream that failed. */
export interface AnswerContext {
  /** The server's name in config.json, which every message names. */
  server: string
  /** Ids of the requests the POSTed body holds; undefined for GET and DELETE, which owe none. */
  owed: JsonRpcId[] | undefined
  /** A batch is answered with an array, even when it holds a single request. */
  batch: boolean
  /** upstreamTimeoutSeconds from config.json; 0 means no limit. */
  timeoutSeconds: number
}

/** How much of an error body a message quotes. */
const QUOTED_BODY_CHARS = 200

/** The ids of the requests among `messages`: responses and notifications get no answer. */
export function requestIds(messages: JsonRpcMessage[]): JsonRpcId[] {
  const ids: JsonRpcId[] = []
  for (const message of messages)
    if (typeof message.method === 'string' && message.id !== undefined) ids.push(message.id)
  return ids
}

export function isBodyTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'UND_ERR_BODY_TIMEOUT'
}

/** The upstream stopped in the middle of an answer: its connection failed, or it went silent too long. */
export function brokenAnswerText(context: AnswerContext, error: unknown): string {
  if (isBodyTimeout(error)) {
    return (
      `The upstream server ${JSON.stringify(context.server)} went silent for ${context.timeoutSeconds} s in the middle of its answer, so the bridge stopped waiting ` +
      '(upstreamTimeoutSeconds in config.json). Send the request again; if the server is just slow, raise upstreamTimeoutSeconds (0 means no limit).'
    )
  }
  return (
    `The upstream server ${JSON.stringify(context.server)} broke off its answer before answering this request (${connectionFault(error)}). ` +
    "The bridge is still running: send the request again; if this keeps happening, check the server's status or logs."
  )
}

/** The upstream never started its answer within the limit. */
export function noAnswerText(server: string, url: string, timeoutSeconds: number): string {
  return (
    `The upstream server ${JSON.stringify(server)} (${url}) did not start its answer within ${timeoutSeconds} s, so the bridge stopped waiting ` +
    '(upstreamTimeoutSeconds in config.json). Check that the server is up; if it is just slow, raise upstreamTimeoutSeconds (0 means no limit).'
  )
}

/** An HTTP error whose body a client could not read as JSON-RPC, quoted so the user sees what the server said. */
export function errorStatusText(server: string, status: number, body: string): string {
  const quoted = quoteBody(body)
  const said = quoted ? `: ${JSON.stringify(quoted)}` : ' with an empty body'
  return (
    `The upstream server ${JSON.stringify(server)} answered HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}${said}. ` +
    "That is not a JSON-RPC answer, so the request failed there. Try again later; if it keeps failing, check the server's status or its URL in config.json."
  )
}

/** The start of a body on one line: whitespace collapsed, cut at a bound with an ellipsis. */
export function quoteBody(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim()
  return line.length > QUOTED_BODY_CHARS ? `${line.slice(0, QUOTED_BODY_CHARS)}…` : line
}

/** One JSON-RPC error per request the answer owed. */
export function owedErrors(context: AnswerContext, text: string, data?: unknown): object[] {
  return (context.owed ?? []).map((id) => errorResponse(id, BRIDGE_ERROR, text, data))
}

/**
 * Answers for a failure before anything reached the client, in the bridge's convention: JSON-RPC
 * errors with HTTP 200 when the body held requests (an array for a batch); otherwise
 * `statusWithoutId` with the same error, id null.
 */
export function sendOwedErrors(
  res: ServerResponse,
  context: AnswerContext,
  text: string,
  statusWithoutId: number,
  data?: unknown,
  answeredHere: object[] = [],
): void {
  const all = [...answeredHere, ...owedErrors(context, text, data)]
  const [status, value] =
    all.length === 0
      ? [statusWithoutId, errorResponse(null, BRIDGE_ERROR, text, data)]
      : [200, context.batch ? all : all[0]]
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

function connectionFault(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string }
  if (code === 'ECONNRESET') return 'the connection was reset'
  if (code === 'UND_ERR_SOCKET') return 'the connection closed mid-answer'
  if (code === 'UND_ERR_ABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE')
    return 'the answer stopped mid-way'
  return message ? message.replace(/\.$/, '') : 'the answer stopped mid-way'
}
