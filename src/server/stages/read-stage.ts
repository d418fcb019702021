// Stage 3, read messages: a POST's body whole (bounded), parsed as JSON-RPC, its mirrored
// headers checked against it. The gate judges the body; headers that mirror it (2026-07-28) must
// agree, or what the upstream side routes on is not what was approved.
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  HEADER_MISMATCH_STATUS,
  checkMcpHeaders,
  headerMismatchResponse,
  isModernRequest,
} from '../../proxy/mcp-headers.js'
import {
  INVALID_REQUEST,
  PARSE_ERROR,
  errorResponse,
  methodLabel,
  parseBody,
  type JsonRpcMessage,
  type ParsedBody,
} from '../../proxy/jsonrpc.js'
import { readAll } from '../../web/read-all.js'
import { sendJson } from './answer-json.js'

export const MAX_BODY_BYTES = 4 * 1024 * 1024

export interface ReadMessages {
  body: Buffer | undefined
  parsed: ParsedBody
  /** The body's messages in order: one, a batch's, or none for GET and DELETE. */
  messages: JsonRpcMessage[]
  /** What the request log calls it: the method, `batch of N`, or the HTTP method. */
  label: string
  /** A lone 2026-07-28 request: the bridge's own results carry `resultType`. */
  modern: boolean
}

/**
 * The request's messages, or undefined when the body was refused (and answered here); a value at
 * once for GET and DELETE, a promise while a POST's body arrives.
 */
export function readMessages(
  req: IncomingMessage,
  res: ServerResponse,
): ReadMessages | undefined | Promise<ReadMessages | undefined> {
  if (req.method !== 'POST')
    return {
      body: undefined,
      parsed: { kind: 'empty' },
      messages: [],
      label: req.method ?? '',
      modern: false,
    }
  // A declared length over the limit is refused before a byte is read.
  if (Number(req.headers['content-length'] ?? '0') > MAX_BODY_BYTES) {
    req.resume()
    return refuseTooLarge(res)
  }
  return readAll(req, MAX_BODY_BYTES).then((body) =>
    body ? messagesIn(req, res, body) : refuseTooLarge(res),
  )
}

function refuseTooLarge(res: ServerResponse): undefined {
  sendJson(
    res,
    413,
    errorResponse(
      null,
      INVALID_REQUEST,
      `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB.`,
    ),
  )
  return undefined
}

function messagesIn(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): ReadMessages | undefined {
  const parsed = parseBody(body)
  if (parsed.kind === 'invalid' || parsed.kind === 'empty') {
    const reason = parsed.kind === 'invalid' ? parsed.reason : 'the body is empty'
    sendJson(res, 400, errorResponse(null, PARSE_ERROR, `Parse error: ${reason}.`))
    return undefined
  }
  if (parsed.kind === 'single') {
    return {
      body,
      parsed,
      messages: [parsed.message],
      label: methodLabel(parsed.message),
      modern: isModernRequest(parsed.message, req.headers),
    }
  }
  return {
    body,
    parsed,
    messages: parsed.messages,
    label: `batch of ${parsed.messages.length}`,
    modern: false,
  }
}

/**
 * Refuses a request whose mirrored headers disagree with its body, before anything is held or
 * sent; returns the status and log note when it did.
 */
export function refuseHeaderMismatch(
  req: IncomingMessage,
  res: ServerResponse,
  read: ReadMessages,
  schemaOf: (tool: string) => unknown,
): { status: number; note: string } | undefined {
  const refusal = checkMcpHeaders(req.headers, read.parsed, schemaOf)
  if (!refusal) return undefined
  sendJson(
    res,
    HEADER_MISMATCH_STATUS,
    headerMismatchResponse(read.parsed.kind === 'single' ? read.parsed.message.id : null, refusal),
  )
  return { status: HEADER_MISMATCH_STATUS, note: `header mismatch: ${refusal.header}` }
}
