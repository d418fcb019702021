// Just enough JSON-RPC to find the tool calls in a request body and to answer some locally.
// Bodies are forwarded as the client sent them; parsing here never rewrites what goes upstream
// unless a call is answered by the bridge itself.

export type JsonRpcId = string | number | null

export interface JsonRpcMessage {
  jsonrpc?: unknown
  id?: JsonRpcId
  method?: unknown
  params?: unknown
}

export type ParsedBody =
  | { kind: 'empty' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'single'; message: JsonRpcMessage }
  | { kind: 'batch'; messages: JsonRpcMessage[] }

export function parseBody(body: Buffer): ParsedBody {
  if (body.byteLength === 0) return { kind: 'empty' }
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    return { kind: 'invalid', reason: 'the body is not valid JSON' }
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.every(isObject))
      return { kind: 'invalid', reason: 'a batch must be a non-empty array of JSON-RPC messages' }
    return { kind: 'batch', messages: value as JsonRpcMessage[] }
  }
  if (!isObject(value))
    return { kind: 'invalid', reason: 'the body must be a JSON-RPC message object' }
  return { kind: 'single', message: value as JsonRpcMessage }
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The tool name of a tools/call request, or undefined for any other message. */
export function toolCallName(message: JsonRpcMessage): string | undefined {
  if (message.method !== 'tools/call' || message.id === undefined) return undefined
  const params = message.params as { name?: unknown } | undefined
  return typeof params?.name === 'string' ? params.name : ''
}

export function methodLabel(message: JsonRpcMessage): string {
  const tool = toolCallName(message)
  if (tool !== undefined) return `tools/call ${tool}`
  return typeof message.method === 'string'
    ? message.method
    : message.id !== undefined
      ? 'response'
      : 'invalid'
}

/**
 * A tool result the model reads as a failure (MCP tools §Error Handling): not a protocol error.
 * Answers to 2026-07-28 requests name their `resultType` (`basic/index.mdx` §ResultType); SDK v2
 * clients refuse a modern result without it, and legacy results stay as they were.
 */
export function toolErrorResult(
  id: JsonRpcId,
  text: string,
  options: { modern?: boolean } = {},
): object {
  const result = { content: [{ type: 'text', text }], isError: true }
  return {
    jsonrpc: '2.0',
    id,
    result: options.modern ? { resultType: 'complete', ...result } : result,
  }
}

export function errorResponse(
  id: JsonRpcId,
  code: number,
  message: string,
  data?: unknown,
): object {
  return { jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } }
}

// JSON-RPC 2.0 §5.1 codes, and the implementation-defined range for the bridge's own failures.
export const PARSE_ERROR = -32700
export const INVALID_REQUEST = -32600
export const BRIDGE_ERROR = -32000
export const LOGIN_REQUIRED_ERROR = -32001

/** One JSON-RPC message object from its text (a stdio line, an SSE event's data); undefined for a batch or anything else. */
export function parseMessageText(text: string): JsonRpcMessage | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? (value as JsonRpcMessage) : undefined
  } catch {
    return undefined
  }
}

/** A request expects an answer: it has a method and an id (JSON-RPC 2.0 §4; without an id it is a notification). */
export function isRequest(message: JsonRpcMessage): boolean {
  return typeof message.method === 'string' && message.id !== undefined
}

/** A response carries no method, an id, and a result or an error (JSON-RPC 2.0 §5). */
export function isResponse(message: JsonRpcMessage): boolean {
  return (
    message.method === undefined && 'id' in message && ('result' in message || 'error' in message)
  )
}

/** A key for matching answers to requests: ids compare by JSON value, so 1 and "1" are different requests. */
export function idKey(id: JsonRpcId | undefined): string {
  return JSON.stringify(id ?? null)
}

/** The progress token a request asks its progress notifications to carry (MCP utilities/progress), if any. */
export function progressTokenOf(message: JsonRpcMessage): string | number | undefined {
  const token = (message.params as { _meta?: { progressToken?: unknown } } | undefined)?._meta
    ?.progressToken
  return typeof token === 'string' || typeof token === 'number' ? token : undefined
}

/** The message objects in a text: the one message, a batch's objects, or none when it is not JSON. */
export function parseMessagesText(text: string): JsonRpcMessage[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return []
  }
  return (Array.isArray(value) ? value : [value]).filter(isObject) as JsonRpcMessage[]
}
