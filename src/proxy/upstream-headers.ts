// Which headers cross the bridge, each way. Client headers that pass besides every `Mcp-*` one;
// everything else (cookies, Authorization, Origin) stays here. The prefix covers `Mcp-Session-Id`,
// `MCP-Protocol-Version` and the 2026-07-28 `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*`, which an
// intermediary MUST forward, unknown `Mcp-Param-*` included
// (`basic/transports/streamable-http.mdx` §Server Behavior for Custom Headers).
import type { IncomingHttpHeaders } from 'node:http'
import type { UpstreamRequest } from './upstream.js'

const FORWARDED_REQUEST_HEADERS = new Set(['accept', 'content-type', 'last-event-id'])
const FORWARDED_PREFIX = 'mcp-'

/** Hop-by-hop headers (RFC 9110 §7.6.1), and upstream auth details the client must not act on. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'trailer',
  'te',
  'www-authenticate',
  'set-cookie',
])

/** The headers the upstream gets: static ones, the client's that pass, and the bearer token. */
export function upstreamHeaders(request: UpstreamRequest): Record<string, string> {
  const headers: Record<string, string> = request.token
    ? { ...staticWithoutAuthorization(request.staticHeaders) }
    : { ...request.staticHeaders }
  // One pass over what the client sent (names arrive lower-cased from node:http).
  const client = request.clientHeaders
  for (const name in client) {
    if (!name.startsWith(FORWARDED_PREFIX) && !FORWARDED_REQUEST_HEADERS.has(name)) continue
    const value = client[name]
    if (typeof value === 'string') headers[name] = value
  }
  if (request.token) headers.authorization = `Bearer ${request.token}`
  return headers
}

/**
 * The static headers less any Authorization of theirs (the bearer token wins), worked out once
 * per set of static headers instead of on every request: deleting keys per request also turned
 * each headers object into a slow dictionary for undici to walk.
 */
const withoutAuthorization = new WeakMap<Record<string, string>, Record<string, string>>()

function staticWithoutAuthorization(
  headers: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!headers) return undefined
  let kept = withoutAuthorization.get(headers)
  if (!kept) {
    kept = Object.fromEntries(
      Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
    )
    withoutAuthorization.set(headers, kept)
  }
  return kept
}

export function clientResponseHeaders(
  headers: IncomingHttpHeaders,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name)) continue
    out[name] = value
  }
  return out
}
