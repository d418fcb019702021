// Streamable HTTP toward the upstream: one undici Agent per bridge (keep-alive connection reuse,
// raw bytes with no decompression, no body timeout on the long-lived SSE streams MCP keeps
// open), owned by whoever made it and closed with it, so two bridges in one process never share
// or close each other's connections.
import type { Agent, Dispatcher } from 'undici'
import { AnswerHandler } from './answer-handler.js'
import { upstreamHeaders } from './upstream-headers.js'
import type { UpstreamRequest, UpstreamResponse } from './upstream.js'

const AGENT_OPTIONS = {
  keepAliveTimeout: 30_000,
  headersTimeout: 120_000,
  bodyTimeout: 0,
  connectTimeout: 15_000,
}

export class UpstreamHttp {
  #agent: Agent | undefined
  #loading: Promise<Agent> | undefined
  #closed = false

  /**
   * undici takes about 90 ms to load: the bridge starts listening first and loads it meanwhile,
   * so start-up does not wait for it and the first request rarely does.
   */
  warm(): Promise<Agent> {
    this.#loading ??= import('undici').then(({ Agent }) => (this.#agent = new Agent(AGENT_OPTIONS)))
    return this.#loading
  }

  /** Sends one request; resolves when the answer's headers arrive, with its body still streaming. */
  readonly send = (request: UpstreamRequest): Promise<UpstreamResponse> => {
    if (this.#closed)
      return Promise.reject(new Error('The bridge is closing: no more upstream requests.'))
    const agent = this.#agent
    if (!agent) return this.warm().then(() => this.send(request))
    return new Promise((resolve, reject) => {
      const handler = new AnswerHandler(resolve, reject)
      watchClient(request, handler)
      agent.dispatch(dispatchOptions(request), handler)
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#agent?.close().catch(() => undefined)
  }
}

/** Aborts the upstream request when its client goes away, through the dispatcher itself. */
function watchClient(request: UpstreamRequest, handler: AnswerHandler): void {
  if (request.clientGone) {
    request.clientGone.onGone(() => handler.abort())
    return
  }
  const signal = request.signal
  if (signal.aborted) handler.abort()
  else signal.addEventListener('abort', () => handler.abort(), { once: true })
}

function dispatchOptions(request: UpstreamRequest): Dispatcher.DispatchOptions {
  // undici's own per-request timers bound a hung upstream: no extra timer here.
  const timeoutMs = request.timeoutMs ?? AGENT_OPTIONS.headersTimeout
  const { origin, path } = targetOf(request.url)
  return {
    origin,
    path,
    method: request.method as Dispatcher.HttpMethod,
    headers: upstreamHeaders(request),
    body: request.body ?? null,
    headersTimeout: timeoutMs,
    // A GET is the server's notification stream, which may stay quiet for as long as it likes.
    bodyTimeout: request.method === 'GET' ? 0 : timeoutMs,
  }
}

const targets = new WeakMap<URL, { origin: string; path: string }>()

/** Origin and path of a server's URL, which is parsed once per configuration load: worked out once too. */
function targetOf(url: URL): { origin: string; path: string } {
  let target = targets.get(url)
  if (!target) {
    target = { origin: url.origin, path: `${url.pathname}${url.search}` }
    targets.set(url, target)
  }
  return target
}
