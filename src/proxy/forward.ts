// Sends one client request to the upstream MCP server and streams the answer back unbuffered.
// undici's own dispatcher, not global fetch: keep-alive connection reuse, raw bytes (no
// decompression, so the answer passes through as sent), and no body timeout on the long-lived
// SSE streams that MCP keeps open.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { finished } from 'node:stream/promises'
import type { Agent, Dispatcher } from 'undici'
import { relayEventStream, relayPlainBody } from './answer-relay.js'
import { readAll } from './read-all.js'
import { brokenAnswerText, isBodyTimeout, sendOwedErrors, type AnswerContext } from './upstream-faults.js'

/**
 * Client headers that pass besides every `Mcp-*` one; everything else (cookies, Authorization,
 * Origin) stays here. The prefix covers `Mcp-Session-Id`, `MCP-Protocol-Version` and the 2026-07-28
 * `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*`, which an intermediary MUST forward, unknown
 * `Mcp-Param-*` included (`basic/transports/streamable-http.mdx` §Server Behavior for Custom Headers).
 */
const FORWARDED_REQUEST_HEADERS = new Set(['accept', 'content-type', 'last-event-id'])
const FORWARDED_PREFIX = 'mcp-'

/** Hop-by-hop headers (RFC 9110 §7.6.1), and upstream auth details the client must not act on. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'trailer', 'te',
  'www-authenticate', 'set-cookie',
])

const AGENT_OPTIONS = {
  keepAliveTimeout: 30_000,
  headersTimeout: 120_000,
  bodyTimeout: 0,
  connectTimeout: 15_000,
}

// undici takes about 90 ms to load: the bridge starts listening first and loads it meanwhile
// (warmUpstream), so start-up does not wait for it and the first request rarely does.
let agent: Agent | undefined
let loadingAgent: Promise<Agent> | undefined

export function warmUpstream(): Promise<Agent> {
  loadingAgent ??= import('undici').then(({ Agent }) => (agent = new Agent(AGENT_OPTIONS)))
  return loadingAgent
}

export async function closeUpstream(): Promise<void> {
  await agent?.close().catch(() => undefined)
}

export interface UpstreamRequest {
  url: URL
  method: string
  clientHeaders: IncomingHttpHeaders
  body: Buffer | undefined
  /** Static headers from `add --header`; the bearer token, when there is one, wins over them. */
  staticHeaders: Record<string, string> | undefined
  token: string | undefined
  signal: AbortSignal
  /**
   * upstreamTimeoutSeconds in milliseconds: the longest wait for the answer to start and, except
   * on a GET stream, the longest silence within its body; 0 means no limit.
   */
  timeoutMs?: number
}

/** What any upstream transport hands back: the shape of an HTTP answer with a streaming body. */
export interface UpstreamResponse {
  statusCode: number
  headers: IncomingHttpHeaders
  body: Readable
}

/** One way of talking to an upstream server; Streamable HTTP is `sendUpstream`. */
export type UpstreamSender = (request: UpstreamRequest) => Promise<UpstreamResponse>

export function sendUpstream(request: UpstreamRequest): Promise<UpstreamResponse> {
  const headers: Record<string, string> = { ...request.staticHeaders }
  // One pass over what the client sent (names arrive lower-cased from node:http).
  for (const name of Object.keys(request.clientHeaders)) {
    if (!name.startsWith(FORWARDED_PREFIX) && !FORWARDED_REQUEST_HEADERS.has(name)) continue
    const value = request.clientHeaders[name]
    if (typeof value === 'string') headers[name] = value
  }
  if (request.token) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === 'authorization') delete headers[key]
    headers.authorization = `Bearer ${request.token}`
  }
  // undici's own per-request timers bound a hung upstream: no extra timer or AbortController here.
  const timeoutMs = request.timeoutMs ?? AGENT_OPTIONS.headersTimeout
  const options: Dispatcher.RequestOptions = {
    origin: request.url.origin,
    path: `${request.url.pathname}${request.url.search}`,
    method: request.method as Dispatcher.HttpMethod,
    headers,
    body: request.body ?? null,
    signal: request.signal,
    headersTimeout: timeoutMs,
    // A GET is the server's notification stream, which may stay quiet for as long as it likes.
    bodyTimeout: request.method === 'GET' ? 0 : timeoutMs,
  }
  return agent ? agent.request(options) : warmUpstream().then((loaded) => loaded.request(options))
}

export function clientResponseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name)) continue
    out[name] = value
  }
  return out
}

/** Answers up to this size (with a known length, not a stream) are sent in one write. */
const SINGLE_WRITE_LIMIT = 64 * 1024

/**
 * Copies status, headers and body to the client as they arrive. When the upstream fails partway,
 * the requests still owed are answered with JSON-RPC errors (see answer-relay.ts); the fault is
 * returned for the log.
 */
export async function relayResponse(upstream: UpstreamResponse, res: ServerResponse, context: AnswerContext): Promise<Error | undefined> {
  const headers = clientResponseHeaders(upstream.headers)
  const length = Number(upstream.headers['content-length'] ?? Number.NaN)
  const isEventStream = String(upstream.headers['content-type'] ?? '').includes('text/event-stream')
  if (length <= SINGLE_WRITE_LIMIT && !isEventStream) {
    // A small JSON answer: one write instead of a stream pipeline (measured: less CPU per request).
    let body: Buffer
    try {
      body = (await readAll(upstream.body)) as Buffer
    } catch (error) {
      if (res.destroyed) return undefined
      const text = brokenAnswerText(context, error)
      sendOwedErrors(res, context, text, isBodyTimeout(error) ? 504 : 502, { server: context.server })
      return new Error(text)
    }
    res.writeHead(upstream.statusCode, headers).end(body)
    return undefined
  }
  if (!isEventStream) return relayPlainBody(upstream, headers, res, context)
  res.writeHead(upstream.statusCode, headers)
  // Headers first, even before any body byte: an SSE client must see its stream open at once.
  res.flushHeaders()
  return relayEventStream(upstream.body, res, context)
}

/** Drops an answer the client will not see (a 401 before the retry), freeing its connection. */
export async function discardBody(upstream: UpstreamResponse): Promise<void> {
  upstream.body.resume()
  await finished(upstream.body).catch(() => undefined)
}

/** The whole (small) answer as text, for the cases where the bridge must inspect it. */
export function readText(upstream: UpstreamResponse): Promise<string> {
  return text(upstream.body)
}
