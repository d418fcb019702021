// Step 1 of `add`: knock on the MCP server as a client would (an initialize POST) and read
// whether, and how, it asks for authorization.
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js'
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js'
import { BridgeError } from '../errors.js'
import { describeNetworkError, type FetchLike } from './http.js'

export interface AuthChallenge {
  /** RFC 9728 §5.1: where the protected resource metadata lives, if the server said. */
  resourceMetadataUrl?: URL
  /** The scopes this request needs (MCP 2025-11-25 §Scope Selection Strategy). */
  scope?: string
  error?: string
}

export type ProbeResult =
  | { kind: 'open'; status: number }
  | { kind: 'unauthorized'; challenge: AuthChallenge }
  | { kind: 'forbidden'; challenge: AuthChallenge }

export function readChallenge(response: Response): AuthChallenge {
  const { resourceMetadataUrl, scope, error } = extractWWWAuthenticateParams(response)
  return {
    ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}),
    ...(scope ? { scope } : {}),
    ...(error ? { error } : {}),
  }
}

export async function probeServer(
  serverUrl: URL,
  options: { fetchFn?: FetchLike; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const fetchFn = options.fetchFn ?? fetch
  const timeoutMs = options.timeoutMs ?? 20_000
  // A dual-era client asks in the modern way first, and runs `initialize` only when the answer
  // is not a modern one (MCP 2026-07-28 streamable-http.mdx §Backward Compatibility): a server of
  // the 2026-07-28 revision then never sees a request without its version and headers, and one
  // that lets `initialize` through unauthenticated still shows its challenge.
  const modern = await knockModern(serverUrl, fetchFn, options.headers, timeoutMs)
  if (modern.kind !== 'legacy') return modern
  let response: Response
  try {
    response = await fetchFn(serverUrl, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: CLIENT_INFO,
        },
      }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    throw describeNetworkError(serverUrl.href, error, timeoutMs)
  }
  const sessionId = response.headers.get('mcp-session-id')
  await response.body?.cancel().catch(() => undefined)
  const challenged = challengeOf(response)
  if (challenged) return challenged
  // The probe opened a session the server would otherwise keep until it times out.
  if (sessionId) {
    await fetchFn(serverUrl, {
      method: 'DELETE',
      headers: { ...options.headers, 'mcp-session-id': sessionId },
      signal: AbortSignal.timeout(timeoutMs),
    }).then((r) => r.body?.cancel(), () => undefined)
  }
  refuseRedirect(serverUrl, response)
  return { kind: 'open', status: response.status }
}

export const MODERN_PROTOCOL_VERSION = '2026-07-28'

const CLIENT_INFO = { name: 'mcp-oauth-bridge', version: '0.1.0' }

/** JSON-RPC codes only a 2026-07-28 server sends (HeaderMismatch, MissingRequiredClientCapability, UnsupportedProtocolVersion). */
const MODERN_ERROR_CODES = new Set([-32020, -32021, -32022])

function challengeOf(response: Response): ProbeResult | undefined {
  if (response.status === 401) return { kind: 'unauthorized', challenge: readChallenge(response) }
  if (response.status === 403 && readChallenge(response).error === 'insufficient_scope') {
    return { kind: 'forbidden', challenge: readChallenge(response) }
  }
  return undefined
}

function refuseRedirect(serverUrl: URL, response: Response): void {
  if (response.status >= 300 && response.status < 400) {
    throw new BridgeError('UPSTREAM_FAILED', `${serverUrl.href} redirects (HTTP ${response.status}) to ${response.headers.get('location') ?? 'nowhere'}.`, {
      hint: 'Add the server with the address it redirects to.',
    })
  }
}

/**
 * `server/discover` with the per-request metadata and headers the revision requires
 * (`basic/index.mdx` §_meta, `streamable-http.mdx` §Request Metadata). Its 401 or 403 is the
 * challenge; a 2xx, or a refusal only a modern server words (`-32020…-32022`, or 404 with
 * `-32601`), an open modern server; anything else (a legacy server's 400 "not initialized", an
 * HTTP+SSE server's 405, a network failure) leaves the decision to `initialize`.
 */
async function knockModern(
  serverUrl: URL,
  fetchFn: FetchLike,
  headers: Record<string, string> | undefined,
  timeoutMs: number,
): Promise<ProbeResult | { kind: 'legacy' }> {
  let response: Response
  try {
    response = await fetchFn(serverUrl, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
        'mcp-method': 'server/discover',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'server/discover',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
            'io.modelcontextprotocol/clientCapabilities': {},
            'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
          },
        },
      }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch {
    // `initialize` is tried next and reports a network failure in full.
    return { kind: 'legacy' }
  }
  const challenged = challengeOf(response)
  if (challenged) {
    await response.body?.cancel().catch(() => undefined)
    return challenged
  }
  refuseRedirect(serverUrl, response)
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel().catch(() => undefined)
    return { kind: 'open', status: response.status }
  }
  const code = await response.json().then((body: unknown) => (body as { error?: { code?: unknown } } | null)?.error?.code, () => undefined)
  const modernRefusal = typeof code === 'number' && (MODERN_ERROR_CODES.has(code) || (response.status === 404 && code === -32601))
  // The server answered in the modern way; what it refused is about this request, not the transport.
  return modernRefusal ? { kind: 'open', status: 200 } : { kind: 'legacy' }
}

/** The same reading for a raw header value (the proxy's upstream client is not fetch). */
export function challengeFromHeader(value: string | string[] | undefined): AuthChallenge {
  const header = Array.isArray(value) ? value.join(', ') : value
  if (!header) return {}
  return readChallenge(new Response(null, { headers: { 'www-authenticate': header } }))
}
