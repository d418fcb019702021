// One message of a 2025 client, written as the 2026-07-28 request it stands for, and the
// upstream's answer written back for the 2025 client. A modern request names its version,
// capabilities and client in `_meta` (`basic/index.mdx` §`_meta`) and mirrors its routing fields
// in headers (`basic/transports/streamable-http.mdx` §Request Metadata).
import type { UpstreamRequest } from '../forward.js'
import { BRIDGE_ERROR, errorResponse, toolErrorResult } from '../jsonrpc.js'
import { routingHeaders, type ParamDeclaration } from './routing-headers.js'
import {
  CLIENT_CAPABILITIES_META,
  CLIENT_INFO_META,
  LOG_LEVEL_META,
  MODERN,
  PROTOCOL_VERSION_META,
  RESERVED_META_PREFIX,
  isRecord,
  metaOf,
  paramsOf,
  type Implementation,
  type Message,
} from './wire.js'

/** What a 2025 client said about itself at initialize; sent again on every modern request. */
export interface ClientFacts {
  clientInfo: Implementation | undefined
  capabilities: Record<string, unknown>
  logLevel?: string
}

/** The capabilities that let a server ask the client for input (`basic/patterns/mrtr.mdx`). */
const INPUT_CAPABILITIES = ['elicitation', 'sampling', 'roots']

/**
 * The client's capabilities without those that let a server ask it for input. They are declared
 * only on requests whose answer can carry the input rounds back to the client (see
 * legacy-input-rounds.ts and to-legacy-rounds.ts); elsewhere a server must not count on them
 * (a server must not ask for a kind the client did not declare, mrtr.mdx §Server Requirements).
 */
export function relayableCapabilities(capabilities: unknown): Record<string, unknown> {
  if (!isRecord(capabilities)) return {}
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(capabilities))
    if (!INPUT_CAPABILITIES.includes(key)) kept[key] = value
  return kept
}

export function modernRequest(
  request: UpstreamRequest,
  message: Message,
  facts: ClientFacts,
  declarations: ParamDeclaration[] = [],
): UpstreamRequest {
  const params = { ...paramsOf(message) }
  params._meta = {
    ...metaOf(message),
    [PROTOCOL_VERSION_META]: MODERN,
    [CLIENT_CAPABILITIES_META]: facts.capabilities,
    ...(facts.clientInfo ? { [CLIENT_INFO_META]: facts.clientInfo } : {}),
    // Without it a 2026-07-28 server sends no log messages for the request (§`_meta`).
    ...(facts.logLevel ? { [LOG_LEVEL_META]: facts.logLevel } : {}),
  }
  const body = { jsonrpc: '2.0', id: message.id, method: message.method, params }
  const clientHeaders = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    'mcp-protocol-version': MODERN,
    ...routingHeaders(message, declarations),
  }
  return { ...request, clientHeaders, body: Buffer.from(JSON.stringify(body)) }
}

/** The 2025 client's view of one upstream message; undefined drops it. */
export function legacyMessage(message: Message, method: string): Message | undefined {
  if (typeof message.method === 'string') {
    // A 2026-07-28 server sends no requests on a request's stream (§Receiving Messages); its
    // notifications lose the keys a 2025 client does not know (the listen's subscriptionId).
    if (message.id !== undefined) return undefined
    return withoutReservedMeta(message, 'params')
  }
  if (isRecord(message.error) && message.error.code === -32021) {
    // The upstream wants a capability the bridge did not declare for this client (see above).
    return errorResponse(
      message.id ?? null,
      BRIDGE_ERROR,
      `The server needs the client to answer input requests (${JSON.stringify(message.error.data ?? {})}); the bridge relays them only to a 2025-era client that declared that capability at initialize and accepts text/event-stream answers.`,
    ) as Message
  }
  if (!isRecord(message.result)) return message
  const { resultType, ttlMs: _ttl, cacheScope: _scope, ...rest } = message.result
  if (resultType === 'input_required') {
    const text =
      'The server asked for more input during this request; the bridge relays such requests only to a 2025-era client that declared elicitation, sampling or roots at initialize and accepts text/event-stream answers.'
    return (
      method === 'tools/call'
        ? toolErrorResult(message.id ?? null, text)
        : errorResponse(message.id ?? null, BRIDGE_ERROR, text)
    ) as Message
  }
  // `resultType` and the cache hints are 2026-07-28 fields (`basic/index.mdx` §ResultType,
  // `server/utilities/caching.mdx`); a 2025 client has no use for them.
  return withoutReservedMeta({ ...message, result: rest }, 'result')
}

function withoutReservedMeta(message: Message, field: 'params' | 'result'): Message {
  const holder = message[field]
  if (!isRecord(holder) || !isRecord(holder._meta)) return message
  const meta = Object.fromEntries(
    Object.entries(holder._meta).filter(([key]) => !key.startsWith(RESERVED_META_PREFIX)),
  )
  const { _meta: _dropped, ...others } = holder
  return { ...message, [field]: Object.keys(meta).length > 0 ? { ...others, _meta: meta } : others }
}
