// A tool call whose arguments a person edited before approving it goes upstream with the edited
// arguments: its message gets the new `params.arguments` (in a batch, that message only), and
// the `Mcp-Param-*` headers that mirror arguments are computed again from the new ones. A body
// must never be rewritten without its mirrored headers (`streamable-http.mdx` §Server
// Validation): the upstream would refuse the call with -32020, or worse, route on the old value.
import type { IncomingHttpHeaders } from 'node:http'
import type { JsonRpcMessage } from './jsonrpc.js'
import { paramHeadersOf, primitiveText, valueAt } from './mcp-headers.js'

/** The same message with other arguments; everything else in it (name, `_meta`, id) stays. */
export function withArguments(
  message: JsonRpcMessage,
  args: Record<string, unknown>,
): JsonRpcMessage {
  const params = typeof message.params === 'object' && message.params !== null ? message.params : {}
  return { ...message, params: { ...params, arguments: args } }
}

/**
 * The client's headers with each `Mcp-Param-*` the schema declares set from `args`: encoded per
 * §Value Encoding when the argument is present and not null, removed when it is not. A legacy
 * request gets no header it did not have (the bridge stays transparent to legacy traffic); one it
 * had is still brought in line with the body.
 */
export function withParamHeaders(
  headers: IncomingHttpHeaders,
  inputSchema: unknown,
  args: Record<string, unknown>,
  modern: boolean,
): IncomingHttpHeaders {
  const declared = paramHeadersOf(inputSchema)
  if (declared.length === 0) return headers
  const out: IncomingHttpHeaders = { ...headers }
  for (const param of declared) {
    const name = `mcp-param-${param.name.toLowerCase()}`
    if (!modern && out[name] === undefined) continue
    const value = valueAt(args, param.path)
    const text = value === undefined || value === null ? undefined : primitiveText(value)
    if (text === undefined) delete out[name]
    else out[name] = encodeHeaderValue(text)
  }
  return out
}

/**
 * §Value Encoding: plain when the value is visible ASCII without leading or trailing space;
 * otherwise (non-ASCII, control characters, edge whitespace, or text that itself looks encoded)
 * `=?base64?<base64 of the UTF-8 bytes>?=`.
 */
export function encodeHeaderValue(text: string): string {
  const plain =
    /^[\x20-\x7e]*$/.test(text) &&
    text.trim() === text &&
    !(text.startsWith('=?base64?') && text.endsWith('?='))
  return plain ? text : `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`
}
