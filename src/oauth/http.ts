// The fetch the OAuth flow hands to the SDK: every call goes to https (or http on this machine)
// only, has a timeout and a size limit, and token responses are normalised where servers stray
// from the JSON that RFC 6749 §5.1 asks for.
import { BridgeError, quote } from '../errors.js'
import { parseSafeUrl } from './safe-url.js'

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>

export interface GuardedFetchOptions {
  fetchFn?: FetchLike
  timeoutMs?: number
  maxBytes?: number
}

export interface FailedAnswer {
  url: string
  status: number
  /** What the server said, for a person: OAuth error JSON, a {"message"} body, text, or "an HTML page". */
  said: string
}

const DEFAULT_TIMEOUT_MS = 20_000
const DEFAULT_MAX_BYTES = 1024 * 1024

export function createGuardedFetch(options: GuardedFetchOptions = {}): FetchLike {
  const fetchFn = options.fetchFn ?? fetch
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  return async (input, init = {}) => {
    const url = String(input)
    // The last line of the https rule: whatever URL a server's metadata, a stored discovery or
    // the SDK comes up with, nothing goes out over plain http to another machine.
    parseSafeUrl(url, 'OAuth request URL')
    const headers = new Headers(init.headers)
    // GitHub answers form-encoded tokens unless asked for JSON (RFC 6749 §5.1 says JSON).
    if (init.method === 'POST' && !headers.has('accept')) headers.set('accept', 'application/json')
    let response: Response
    try {
      response = await fetchFn(input, {
        ...init,
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: init.redirect ?? 'manual',
      })
    } catch (error) {
      throw describeNetworkError(url, error, timeoutMs)
    }
    const body = await readLimited(response, maxBytes, url)
    return normaliseTokenResponse(response, body, init.method ?? 'GET')
  }
}

export function describeNetworkError(url: string, error: unknown, timeoutMs: number): BridgeError {
  const cause = error as { name?: string; cause?: { code?: string; message?: string } }
  if (cause.name === 'TimeoutError') {
    return new BridgeError('UNREACHABLE', `${url} did not answer within ${timeoutMs / 1000} s.`, {
      hint: 'Check the address and your network, then try again.',
      cause: error,
    })
  }
  const code = cause.cause?.code
  if (cause.cause?.message === 'bad port') {
    return new BridgeError(
      'UNREACHABLE',
      `Cannot reach ${url}: its port is one that HTTP clients refuse to use (a "bad port" of the Fetch standard, kept for other protocols).`,
      {
        hint: 'Serve the MCP server on another port.',
        cause: error,
      },
    )
  }
  const detail =
    code === 'ECONNREFUSED'
      ? 'the connection was refused'
      : code === 'ENOTFOUND'
        ? 'the host name does not resolve'
        : code
          ? code
          : (cause.cause?.message ?? String(error))
  return new BridgeError('UNREACHABLE', `Cannot reach ${url}: ${detail}.`, {
    hint: 'Check the address and that the server is up, then try again.',
    cause: error,
  })
}

async function readLimited(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > maxBytes) {
    await response.body?.cancel()
    throw tooLarge(url, maxBytes)
  }
  if (!response.body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength
    if (total > maxBytes) throw tooLarge(url, maxBytes)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function tooLarge(url: string, maxBytes: number): BridgeError {
  return new BridgeError(
    'DISCOVERY_FAILED',
    `${url} answered with more than ${maxBytes / 1024} KiB; refused.`,
    {
      hint: 'An OAuth server never needs to send this much; check the URL.',
    },
  )
}

function normaliseTokenResponse(response: Response, body: Uint8Array, method: string): Response {
  const type = response.headers.get('content-type') ?? ''
  let bodyOut: Buffer | string | null = body.byteLength ? Buffer.from(body) : null
  const headers = new Headers(response.headers)
  if (method === 'POST' && response.ok && type.includes('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(Buffer.from(body).toString('utf8'))
    const json: Record<string, unknown> = Object.fromEntries(params)
    if (typeof json.expires_in === 'string') json.expires_in = Number(json.expires_in)
    bodyOut = JSON.stringify(json)
    headers.set('content-type', 'application/json')
  }
  // A null-body status (204, 304) must not be given a body; everything else keeps its own.
  const status = response.status
  const nullBody = status === 204 || status === 304 || status === 101
  return new Response(nullBody ? null : bodyOut, {
    status,
    statusText: response.statusText,
    headers,
  })
}

export function describeBody(text: string): string {
  const trimmed = text.trim()
  if (!trimmed) return 'nothing'
  if (trimmed.startsWith('<')) return 'an HTML page'
  try {
    const value = JSON.parse(trimmed) as {
      error?: unknown
      error_description?: unknown
      message?: unknown
    }
    if (typeof value.error === 'string') {
      return `${quote(value.error)}${typeof value.error_description === 'string' ? ` (${quote(value.error_description)})` : ''}`
    }
    if (typeof value.message === 'string') return quote(value.message)
  } catch {
    // plain text
  }
  return quote(trimmed.slice(0, 200))
}

/**
 * Wraps a fetch to remember the last non-2xx answer (not 404s, which discovery expects), so an
 * error can say what the server said even where the SDK kept only a generic error.
 */
export function recordFailures(fetchFn: FetchLike): {
  fetchFn: FetchLike
  last(): FailedAnswer | undefined
} {
  let last: FailedAnswer | undefined
  return {
    fetchFn: async (input, init) => {
      const response = await fetchFn(input, init)
      if (
        !response.ok &&
        response.status !== 404 &&
        !(response.status >= 300 && response.status < 400)
      ) {
        const text = await response
          .clone()
          .text()
          .catch(() => '')
        last = { url: String(input), status: response.status, said: describeBody(text) }
      }
      return response
    },
    last: () => last,
  }
}
