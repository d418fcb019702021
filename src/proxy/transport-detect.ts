// Which transport and era an upstream speaks, the way MCP 2026-07-28's Streamable HTTP
// §Backward Compatibility tells a client to find out: the knock's `server/discover` (oauth/probe.ts)
// shows the era (era/era-probe.ts reads it); a server that did not answer it is asked `initialize`,
// and a 4xx to that (typically 400, 404 or 405) means it may be an HTTP+SSE (2024-11-05) server,
// so GET the URL as an event stream and see whether the first event is `endpoint`. Anything else
// is Streamable HTTP, whose own errors the normal probe reports.
import { describeBody, describeNetworkError, type FetchLike } from '../oauth/http.js'
import {
  knockServer,
  readChallenge,
  type AuthChallenge,
  type DiscoverAnswer,
} from '../oauth/probe.js'
import { SseParser, type SseEvent } from './legacy-sse.js'
import { eraFromProbe } from './era/era-probe.js'
import { messagesOf } from './era/message-stream.js'
import type { Era } from './era/wire.js'

export type TransportDetection =
  /** `era` is undefined when the probe could not tell (the bridge then finds out on first use). */
  | { transport: 'http'; era?: Era }
  | { transport: 'sse' }
  /** The server wants a token before it says more: authorize first, then detect again with it. */
  | { transport: 'unauthorized'; status: 401 | 403; challenge: AuthChallenge }
  /** Neither transport works: the POST and the GET were both refused (a retired endpoint). */
  | { transport: 'none'; status: number; said: string }

export interface DetectOptions {
  /** Per request (default 20 s). */
  timeoutMs?: number
  /** How long the GET may take to send its first event (default 10 s). */
  firstEventTimeoutMs?: number
}

/** The most a first event may take; an `endpoint` event is one short line. */
const FIRST_EVENT_LIMIT = 64 * 1024

export async function detectTransport(
  url: URL,
  headers: Record<string, string> = {},
  fetchFn: FetchLike = fetch,
  options: DetectOptions = {},
): Promise<TransportDetection> {
  const timeoutMs = options.timeoutMs ?? 20_000
  // One knock for both: `add` learns about authorization from the same requests.
  const knock = await knockServer(url, { fetchFn, headers, timeoutMs })
  const probe = knock.result
  if (probe.kind !== 'open')
    return {
      transport: 'unauthorized',
      status: probe.kind === 'unauthorized' ? 401 : 403,
      challenge: probe.challenge,
    }
  const found =
    probe.status < 400 || probe.status >= 500
      ? { transport: 'http' as const }
      : await detectSse(url, headers, fetchFn, options)
  if (found.transport !== 'http') return found
  const era = knock.discover ? eraOf(knock.discover) : undefined
  return era ? { transport: 'http', era } : found
}

/**
 * The upstream's era, from its answer to the knock's `server/discover`
 * (`basic/transports/streamable-http.mdx` §Backward Compatibility); undefined when the answer
 * tells nothing (5xx, a stream cut by the timeout).
 */
function eraOf(answer: DiscoverAnswer): Era | undefined {
  return eraFromProbe(
    answer.status,
    messagesOf(answer.body, answer.contentType.includes('text/event-stream')),
  )
}

/** After a refused `initialize`: an HTTP+SSE server answers a GET with an `endpoint` event. */
async function detectSse(
  url: URL,
  headers: Record<string, string>,
  fetchFn: FetchLike,
  options: DetectOptions,
): Promise<TransportDetection> {
  const timeoutMs = options.timeoutMs ?? 20_000
  const call = async (init: RequestInit): Promise<Response> => {
    try {
      return await fetchFn(url, { ...init, redirect: 'manual' })
    } catch (error) {
      throw describeNetworkError(url.href, error, timeoutMs)
    }
  }
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), timeoutMs)
  try {
    const get = await call({
      method: 'GET',
      headers: withHeaders(headers, { accept: 'text/event-stream' }),
      signal: abort.signal,
    })
    const refusedGet = authorizationNeeded(get)
    const type = get.headers.get('content-type') ?? ''
    if (refusedGet) {
      await get.body?.cancel().catch(() => undefined)
      return refusedGet
    }
    if (!get.ok && get.status !== 405) {
      // The POST was refused too: nothing here speaks MCP. Webflow's retired /sse answers 410
      // with a text naming the new URL, which is worth passing on word for word.
      return {
        transport: 'none',
        status: get.status,
        said: describeBody((await get.text().catch(() => '')).slice(0, 2000)),
      }
    }
    if (!/^text\/event-stream\b/i.test(type) || !get.body) {
      await get.body?.cancel().catch(() => undefined)
      return { transport: 'http' }
    }
    const first = await firstEvent(get.body, options.firstEventTimeoutMs ?? 10_000)
    return first?.event === 'endpoint' ? { transport: 'sse' } : { transport: 'http' }
  } finally {
    clearTimeout(timer)
    // Closing the stream ends the session an HTTP+SSE server opened for it.
    abort.abort()
  }
}

function authorizationNeeded(response: Response): TransportDetection | undefined {
  if (response.status === 401)
    return { transport: 'unauthorized', status: 401, challenge: readChallenge(response) }
  if (response.status === 403) {
    const challenge = readChallenge(response)
    if (challenge.error === 'insufficient_scope')
      return { transport: 'unauthorized', status: 403, challenge }
  }
  return undefined
}

function withHeaders(
  base: Record<string, string>,
  extra: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(base)) {
    if (!(name.toLowerCase() in extra)) out[name] = value
  }
  return { ...out, ...extra }
}

async function firstEvent(
  body: ReadableStream<Uint8Array>,
  timeoutMs: number,
): Promise<SseEvent | undefined> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let found: SseEvent | undefined
  const parser = new SseParser((event) => {
    found ??= event
  }, FIRST_EVENT_LIMIT)
  const timer = setTimeout(() => void reader.cancel().catch(() => undefined), timeoutMs)
  let total = 0
  try {
    while (found === undefined) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > FIRST_EVENT_LIMIT) break
      parser.push(decoder.decode(value, { stream: true }))
    }
  } catch {
    // Cancelled by the timer, broken, or too large: no first event.
  } finally {
    clearTimeout(timer)
    await reader.cancel().catch(() => undefined)
  }
  return found
}
