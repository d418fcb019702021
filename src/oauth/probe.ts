// Step 1 of `add`: knock on the MCP server as a client would (an initialize POST) and read
// whether, and how, it asks for authorization.
import { extractWWWAuthenticateParams, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/client'
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
  const challenged = challengeOf(response)
  // Only a refusal can be in modern words; anything else is not read.
  const refusedInModernWords = !challenged && (response.status === 400 || response.status === 404) && (await isModernRefusal(response))
  await response.body?.cancel().catch(() => undefined)
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
  // A 2026-07-28 server has no `initialize`, and may refuse it without asking for a token while
  // asking for one on its real requests (the conformance suite's authorization-server-migration
  // server does). Its refusal says so in modern words; one modern request then shows the challenge.
  if (refusedInModernWords) {
    const modern = await knockModern(serverUrl, fetchFn, options.headers, timeoutMs)
    if (modern) return modern
  }
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
 * challenge, a 2xx an open modern server; anything else (or a network failure) leaves the
 * decision to the answer `initialize` got.
 */
async function knockModern(
  serverUrl: URL,
  fetchFn: FetchLike,
  headers: Record<string, string> | undefined,
  timeoutMs: number,
): Promise<ProbeResult | undefined> {
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
        id: 1,
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
    return undefined
  }
  await response.body?.cancel().catch(() => undefined)
  const challenged = challengeOf(response)
  if (challenged) return challenged
  if (response.status >= 200 && response.status < 300) return { kind: 'open', status: response.status }
  return undefined
}

/**
 * A refusal only a 2026-07-28 server words (`streamable-http.mdx` §Backward Compatibility): one of
 * its error codes (`-32020…-32022`), or `-32601` for `initialize`, a method every 2025 server has.
 */
async function isModernRefusal(response: Response): Promise<boolean> {
  const code = await response.clone().json().then((body: unknown) => (body as { error?: { code?: unknown } } | null)?.error?.code, () => undefined)
  return typeof code === 'number' && (MODERN_ERROR_CODES.has(code) || code === -32601)
}

/** The same reading for a raw header value (the proxy's upstream client is not fetch). */
export function challengeFromHeader(value: string | string[] | undefined): AuthChallenge {
  const header = Array.isArray(value) ? value.join(', ') : value
  if (!header) return {}
  return readChallenge(new Response(null, { headers: { 'www-authenticate': header } }))
}
