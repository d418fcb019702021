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
          clientInfo: { name: 'mcp-oauth-bridge', version: '0.1.0' },
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
  if (response.status === 401) return { kind: 'unauthorized', challenge: readChallenge(response) }
  if (response.status === 403 && readChallenge(response).error === 'insufficient_scope') {
    return { kind: 'forbidden', challenge: readChallenge(response) }
  }
  // The probe opened a session the server would otherwise keep until it times out.
  if (sessionId) {
    await fetchFn(serverUrl, {
      method: 'DELETE',
      headers: { ...options.headers, 'mcp-session-id': sessionId },
      signal: AbortSignal.timeout(timeoutMs),
    }).then((r) => r.body?.cancel(), () => undefined)
  }
  if (response.status >= 300 && response.status < 400) {
    throw new BridgeError('UPSTREAM_FAILED', `${serverUrl.href} redirects (HTTP ${response.status}) to ${response.headers.get('location') ?? 'nowhere'}.`, {
      hint: 'Add the server with the address it redirects to.',
    })
  }
  return { kind: 'open', status: response.status }
}

/** The same reading for a raw header value (the proxy's upstream client is not fetch). */
export function challengeFromHeader(value: string | string[] | undefined): AuthChallenge {
  const header = Array.isArray(value) ? value.join(', ') : value
  if (!header) return {}
  return readChallenge(new Response(null, { headers: { 'www-authenticate': header } }))
}
