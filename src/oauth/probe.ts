// Step 1 of `add`: knock on the MCP server as a client would (`server/discover`, then `initialize`
// for a 2025 server) and read whether, and how, it asks for authorization.
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

/** What the `server/discover` knock was answered, for a caller that reads the era from it. */
export interface DiscoverAnswer {
  status: number
  contentType: string
  body: string
}

export interface Knock {
  result: ProbeResult
  /** Undefined when the answer was a challenge (its body is not read). */
  discover?: DiscoverAnswer
}

export interface KnockOptions {
  fetchFn?: FetchLike
  headers?: Record<string, string>
  timeoutMs?: number
}

export async function probeServer(
  serverUrl: URL,
  options: KnockOptions = {},
): Promise<ProbeResult> {
  return (await knockServer(serverUrl, options)).result
}

/**
 * The knock, in the order MCP 2026-07-28 gives a client that speaks both eras
 * (`basic/transports/streamable-http.mdx` §Backward Compatibility): `server/discover` first, with
 * the revision's `_meta` and headers. Its challenge is the answer; so is a modern server's result
 * or refusal (it lets the server be added; the era is read from it). Anything else is a 2025
 * server (or HTTP+SSE, or no MCP at all), asked with `initialize` as before, whose answer decides.
 */
export async function knockServer(serverUrl: URL, options: KnockOptions = {}): Promise<Knock> {
  const fetchFn = options.fetchFn ?? fetch
  const timeoutMs = options.timeoutMs ?? 20_000
  const modern = await knockModern(serverUrl, fetchFn, options.headers, timeoutMs)
  if (modern.challenged) return { result: modern.challenged }
  refuseRedirect(serverUrl, modern.response)
  const discover = {
    status: modern.response.status,
    contentType: modern.response.headers.get('content-type') ?? '',
    body: modern.body,
  }
  if (spokeModern(discover)) return { result: { kind: 'open', status: discover.status }, discover }
  return { result: await knockLegacy(serverUrl, fetchFn, options.headers, timeoutMs), discover }
}

/** `initialize`, the knock a 2025 server (and the HTTP+SSE detection after it) understands. */
async function knockLegacy(
  serverUrl: URL,
  fetchFn: FetchLike,
  headers: Record<string, string> | undefined,
  timeoutMs: number,
): Promise<ProbeResult> {
  let response: Response
  try {
    response = await fetchFn(serverUrl, {
      method: 'POST',
      headers: {
        ...headers,
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
  await response.body?.cancel().catch(() => undefined)
  if (challenged) return challenged
  // The probe opened a session the server would otherwise keep until it times out.
  if (sessionId) {
    await fetchFn(serverUrl, {
      method: 'DELETE',
      headers: { ...headers, 'mcp-session-id': sessionId },
      signal: AbortSignal.timeout(timeoutMs),
    }).then(
      (r) => r.body?.cancel(),
      () => undefined,
    )
  }
  refuseRedirect(serverUrl, response)
  return { kind: 'open', status: response.status }
}

export const MODERN_PROTOCOL_VERSION = '2026-07-28'

const CLIENT_INFO = { name: 'mcp-oauth-bridge', version: '0.1.0' }

function challengeOf(response: Response): ProbeResult | undefined {
  if (response.status === 401) return { kind: 'unauthorized', challenge: readChallenge(response) }
  if (response.status === 403 && readChallenge(response).error === 'insufficient_scope') {
    return { kind: 'forbidden', challenge: readChallenge(response) }
  }
  return undefined
}

function refuseRedirect(serverUrl: URL, response: Response): void {
  if (response.status >= 300 && response.status < 400) {
    throw new BridgeError(
      'UPSTREAM_FAILED',
      `${serverUrl.href} redirects (HTTP ${response.status}) to ${response.headers.get('location') ?? 'nowhere'}.`,
      {
        hint: 'Add the server with the address it redirects to.',
      },
    )
  }
}

/**
 * `server/discover` with the per-request metadata and headers the revision requires
 * (`basic/index.mdx` §_meta, `streamable-http.mdx` §Request Metadata). Its 401 or 403 is the
 * challenge; otherwise the answer is read whole (a stream ends with the result, or at the timeout).
 */
async function knockModern(
  serverUrl: URL,
  fetchFn: FetchLike,
  headers: Record<string, string> | undefined,
  timeoutMs: number,
): Promise<
  | { challenged: ProbeResult; response?: undefined; body?: undefined }
  | { challenged?: undefined; response: Response; body: string }
> {
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
  } catch (error) {
    throw describeNetworkError(serverUrl.href, error, timeoutMs)
  }
  const challenged = challengeOf(response)
  if (challenged) {
    await response.body?.cancel().catch(() => undefined)
    return { challenged }
  }
  const body =
    response.status >= 300 && response.status < 400 ? '' : await response.text().catch(() => '')
  return { response, body }
}

/** JSON-RPC codes only a 2026-07-28 server sends (HeaderMismatch, MissingRequiredClientCapability, UnsupportedProtocolVersion). */
const MODERN_ERROR_CODES = new Set([-32020, -32021, -32022])

/**
 * Whether the answer is a 2026-07-28 server's: a result (a 2xx), or one of the errors only that
 * revision has (`basic/index.mdx` §Error Codes: it refused this request's version, capabilities or
 * headers, which `initialize` would not mend). A 2025 server's "not initialized" or "method not
 * found" is neither.
 */
function spokeModern(answer: DiscoverAnswer): boolean {
  return messagesIn(answer).some((message) => {
    if (
      answer.status >= 200 &&
      answer.status < 300 &&
      typeof message.result === 'object' &&
      message.result !== null
    )
      return true
    const code = (message.error as { code?: unknown } | undefined)?.code
    return typeof code === 'number' && MODERN_ERROR_CODES.has(code)
  })
}

/** The JSON-RPC messages of an answer, as JSON or as the events of a stream. */
function messagesIn(answer: DiscoverAnswer): Array<Record<string, unknown>> {
  const texts = /^text\/event-stream\b/i.test(answer.contentType)
    ? answer.body
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5))
    : [answer.body]
  return texts.flatMap((text) => {
    try {
      const message: unknown = JSON.parse(text)
      return typeof message === 'object' && message !== null && !Array.isArray(message)
        ? [message as Record<string, unknown>]
        : []
    } catch {
      return []
    }
  })
}

/** The same reading for a raw header value (the proxy's upstream client is not fetch). */
export function challengeFromHeader(value: string | string[] | undefined): AuthChallenge {
  const header = Array.isArray(value) ? value.join(', ') : value
  if (!header) return {}
  return readChallenge(new Response(null, { headers: { 'www-authenticate': header } }))
}
