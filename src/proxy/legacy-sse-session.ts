// One client's session with an upstream that speaks the older HTTP+SSE transport (MCP 2024-11-05,
// transports §HTTP with SSE): the long-lived GET event stream, the POST endpoint its first
// `endpoint` event names, and the requests waiting for their answers on the stream. Answers are
// matched to requests by JSON-RPC id; everything else the server sends goes out on the client's
// GET stream, or waits in a bounded queue until the client opens one.
import { randomBytes } from 'node:crypto'
import { PassThrough, type Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import { jsonAnswer } from './json-answer.js'
import {
  BRIDGE_ERROR,
  INVALID_REQUEST,
  errorResponse,
  idKey,
  isRequest,
  isResponse,
  parseMessagesText,
  progressTokenOf,
  type JsonRpcId,
  type JsonRpcMessage,
} from './jsonrpc.js'
import { sseEvent } from './sse.js'
import { SseParser, type SseEvent } from './sse-events.js'
import type { UpstreamRequest, UpstreamResponse } from './upstream.js'

/** The bounds a session keeps to (defaults in legacy-sse.ts). */
export interface LegacyLimits {
  maxPendingPerSession: number
  maxEventSize: number
  maxQueuedMessages: number
  maxStreamBuffer: number
  requestTimeoutMs: number
  connectTimeoutMs: number
}

/** The answer to one client POST, or the reason there is none. */
export type Outcome =
  | { kind: 'answers'; answers: object[]; undelivered?: string }
  | { kind: 'refused'; response: UpstreamResponse }
  | { kind: 'gone'; reason: string }

type Delivery =
  | { kind: 'ok' }
  | { kind: 'refused'; response: UpstreamResponse }
  | { kind: 'gone'; reason: string }
  | { kind: 'failed'; reason: string }

type Credentials = Pick<UpstreamRequest, 'staticHeaders' | 'token'>

interface Pending {
  id: JsonRpcId
  progressToken: unknown
  /** Undefined when there is no limit. */
  timer: NodeJS.Timeout | undefined
  settle: (answer: object) => void
}

/** One client session: the upstream event stream, its POST endpoint, and the requests in flight. */
export class LegacySession {
  readonly id = randomBytes(32).toString('base64url')
  readonly sseUrl: URL
  readonly pending = new Map<string, Pending>()
  lastActive = Date.now()
  /** Why the session ended; undefined while it lives. */
  ended: string | undefined
  #endpoint: URL | undefined
  #endpointWaiter: { resolve: () => void; reject: (error: Error) => void } | undefined
  #upstream: Readable | undefined
  /** The client's GET stream, when it has one open. */
  #listener: PassThrough | undefined
  /** Server messages as SSE events, kept while the client has no GET stream open. */
  #queue: string[] = []
  #queued = 0
  /** The credentials of the latest client request: for the bridge's own cancel notifications. */
  #credentials: Credentials | undefined
  /** Set when the upstream's answer was handed to the caller, whose body must then stay readable. */
  #handedOff = false
  readonly #controller = new AbortController()
  readonly #limits: LegacyLimits
  readonly #dispatcher: Dispatcher
  readonly #onEnd: (session: LegacySession) => void

  constructor(
    sseUrl: URL,
    limits: LegacyLimits,
    dispatcher: Dispatcher,
    onEnd: (session: LegacySession) => void,
  ) {
    this.sseUrl = new URL(sseUrl.href)
    this.#limits = limits
    this.#dispatcher = dispatcher
    this.#onEnd = onEnd
  }

  isIdle(): boolean {
    return this.pending.size === 0 && this.#listener === undefined
  }

  /**
   * Opens the upstream event stream and waits for its endpoint. Returns undefined when the session
   * is ready, or the answer for the client when it is not (a 401/403 exactly as the server sent it).
   */
  async open(request: UpstreamRequest, id: JsonRpcId): Promise<UpstreamResponse | undefined> {
    const fail = (text: string) => {
      this.end(text)
      return jsonAnswer(200, errorResponse(id, BRIDGE_ERROR, text))
    }
    const headers = credentialHeaders(request)
    setHeader(headers, 'accept', 'text/event-stream')
    setHeader(headers, 'cache-control', 'no-cache')
    // Until the session is ready, a client that goes away takes the half-made session with it.
    const onClientGone = () => this.end('The client went away while the session was being opened.')
    request.signal.addEventListener('abort', onClientGone)
    const timer = setTimeout(() => {
      this.end(
        `${this.sseUrl.href} did not open its event stream and name its endpoint within ${this.#limits.connectTimeoutMs / 1000} s.`,
      )
    }, this.#limits.connectTimeoutMs)
    try {
      if (request.signal.aborted) onClientGone()
      let response: Dispatcher.ResponseData
      try {
        response = await this.#requestStream(headers)
      } catch (error) {
        if (this.ended !== undefined) return fail(this.ended)
        throw error
      }
      if (response.statusCode === 401 || response.statusCode === 403) {
        this.#handedOff = true
        this.end('The upstream server refused the event stream.')
        return { statusCode: response.statusCode, headers: response.headers, body: response.body }
      }
      const type = String(response.headers['content-type'] ?? '')
      if (response.statusCode !== 200 || !/^text\/event-stream\b/i.test(type)) {
        const said = await readSome(response.body, 300)
        return fail(notAnEventStream(this.sseUrl, response.statusCode, type, said))
      }
      const ready = new Promise<void>((resolve, reject) => {
        this.#endpointWaiter = { resolve, reject }
      })
      if (this.ended !== undefined) {
        response.body.destroy()
        return fail(this.ended)
      }
      this.#read(response.body)
      try {
        await ready
      } catch {
        return fail(this.ended ?? 'The upstream event stream ended before it named its endpoint.')
      }
      return undefined
    } finally {
      clearTimeout(timer)
      request.signal.removeEventListener('abort', onClientGone)
    }
  }

  /** The GET that opens the upstream event stream, on the session's own signal. */
  #requestStream(headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    return this.#dispatcher.request({
      origin: this.sseUrl.origin,
      path: `${this.sseUrl.pathname}${this.sseUrl.search}`,
      method: 'GET',
      headers,
      signal: this.#controller.signal,
    })
  }

  /** Delivers the client's messages one by one and waits for the answers to its requests. */
  async exchange(
    request: UpstreamRequest,
    messages: JsonRpcMessage[],
    batch: boolean,
  ): Promise<Outcome> {
    this.#credentials = { staticHeaders: request.staticHeaders, token: request.token }
    const requests = messages.filter(isRequest)
    if (this.pending.size + requests.length > this.#limits.maxPendingPerSession)
      return tooManyWaiting(requests, this.#limits.maxPendingPerSession)
    const waits: Array<Promise<object>> = []
    const mine: Pending[] = []
    let undelivered: string | undefined
    const abandon = (answerText: string) => {
      for (const entry of mine) entry.settle(errorResponse(entry.id, BRIDGE_ERROR, answerText))
    }
    const onClientGone = () => abandon('The client went away before the upstream server answered.')
    request.signal.addEventListener('abort', onClientGone)
    try {
      for (const message of messages) {
        if (this.ended !== undefined) return { kind: 'gone', reason: this.ended }
        let expected: { entry: Pending; answer: Promise<object> } | undefined
        if (isRequest(message)) {
          const key = idKey(message.id)
          if (this.pending.has(key)) {
            waits.push(Promise.resolve(alreadyWaiting(message, key)))
            continue
          }
          // Registered before the POST: the answer may arrive on the stream before the POST returns.
          expected = this.#expect(message, request.timeoutMs)
          mine.push(expected.entry)
        }
        const delivery = await this.#deliver(request, payloadOf(request, message, batch))
        if (delivery.kind === 'ok') {
          if (expected) waits.push(expected.answer)
          continue
        }
        if (delivery.kind === 'refused' || delivery.kind === 'gone') {
          abandon('The upstream server did not take the request.')
          await Promise.all(waits)
          return delivery
        }
        if (expected) {
          expected.entry.settle(errorResponse(expected.entry.id, BRIDGE_ERROR, delivery.reason))
          waits.push(expected.answer)
        } else {
          undelivered = delivery.reason
        }
      }
      if (request.signal.aborted) onClientGone()
      const answers = await Promise.all(waits)
      return { kind: 'answers', answers, ...(undelivered === undefined ? {} : { undelivered }) }
    } finally {
      request.signal.removeEventListener('abort', onClientGone)
    }
  }

  /** The client's GET stream: the server's own requests and notifications, as `message` events. */
  attach(): UpstreamResponse {
    // One stream per session: a new GET (a client reconnecting) replaces the old one.
    this.#listener?.end()
    const stream = new PassThrough()
    this.#listener = stream
    stream.on('close', () => {
      if (this.#listener === stream) this.#listener = undefined
      this.lastActive = Date.now()
    })
    const queued = this.#queue
    this.#queue = []
    this.#queued = 0
    for (const event of queued) this.#write(stream, event)
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      body: stream,
    }
  }

  end(reason: string): void {
    if (this.ended !== undefined) return
    this.ended = reason
    if (!this.#handedOff) this.#controller.abort()
    this.#upstream?.destroy()
    this.#endpointWaiter?.reject(new Error(reason))
    for (const entry of [...this.pending.values()]) {
      entry.settle(
        errorResponse(
          entry.id,
          BRIDGE_ERROR,
          `${reason} The request got no answer and the session has ended; reconnect to start a new one.`,
        ),
      )
    }
    this.#listener?.end()
    this.#listener = undefined
    this.#queue = []
    this.#queued = 0
    this.#onEnd(this)
  }

  /**
   * Registers a request and waits for its answer on the stream. `configuredMs` is the bridge's
   * upstreamTimeoutSeconds (0: no limit); without it the sender's own limit applies.
   */
  #expect(
    message: JsonRpcMessage,
    configuredMs: number | undefined,
  ): { entry: Pending; answer: Promise<object> } {
    const key = idKey(message.id)
    const id = message.id ?? null
    const method = String(message.method)
    const limitMs = configuredMs ?? this.#limits.requestTimeoutMs
    const setting =
      configuredMs === undefined
        ? ''
        : ' (upstreamTimeoutSeconds in config.json; raise it, or set 0 for no limit, if this server is just slow)'
    let entry: Pending | undefined
    const answer = new Promise<object>((resolve) => {
      const created: Pending = {
        id,
        progressToken: progressTokenOf(message),
        timer:
          limitMs > 0
            ? setTimeout(() => {
                created.settle(
                  errorResponse(
                    id,
                    BRIDGE_ERROR,
                    `The upstream server ${this.sseUrl.href} did not answer ${method} within ${limitMs / 1000} s${setting}; the bridge stopped waiting and asked the server to cancel it.`,
                  ),
                )
                void this.#cancelUpstream(id)
              }, limitMs)
            : undefined,
        settle: (value) => {
          if (this.pending.get(key) !== created) return
          clearTimeout(created.timer)
          this.pending.delete(key)
          this.lastActive = Date.now()
          resolve(value)
        },
      }
      entry = created
      this.pending.set(key, created)
    })
    return { entry: entry as Pending, answer }
  }

  /** POSTs one message to the endpoint; the answer, if any, comes on the stream. */
  async #deliver(request: Credentials, payload: Buffer | string): Promise<Delivery> {
    const endpoint = this.#endpoint
    if (!endpoint || this.ended !== undefined)
      return { kind: 'gone', reason: this.ended ?? 'The session has no endpoint.' }
    const headers = credentialHeaders(request)
    setHeader(headers, 'content-type', 'application/json')
    setHeader(headers, 'accept', 'application/json, text/event-stream')
    let response: Dispatcher.ResponseData
    try {
      response = await this.#dispatcher.request({
        origin: endpoint.origin,
        path: `${endpoint.pathname}${endpoint.search}`,
        method: 'POST',
        headers,
        body: payload,
      })
    } catch (error) {
      return {
        kind: 'failed',
        reason: `The message could not be delivered to ${endpoint.origin}: ${(error as Error).message}.`,
      }
    }
    const status = response.statusCode
    if (status === 401 || status === 403)
      return {
        kind: 'refused',
        response: { statusCode: status, headers: response.headers, body: response.body },
      }
    if (status >= 200 && status < 300) {
      await readSome(response.body, 0)
      return { kind: 'ok' }
    }
    const said = await readSome(response.body, 300)
    if (status === 404 || status === 410) {
      return {
        kind: 'gone',
        reason: `The upstream server no longer knows this session (HTTP ${status}${said ? `: ${JSON.stringify(said)}` : ''}).`,
      }
    }
    return {
      kind: 'failed',
      reason: `The upstream server refused the message with HTTP ${status}${said ? `: ${JSON.stringify(said)}` : ''}.`,
    }
  }

  async #cancelUpstream(id: JsonRpcId): Promise<void> {
    const request = this.#credentials
    if (!request || this.ended !== undefined) return
    const body = JSON.stringify({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: id, reason: 'The bridge stopped waiting for the answer.' },
    })
    await this.#deliver(request, body).then(
      async (delivery) => {
        if (delivery.kind === 'refused') await readSome(delivery.response.body, 0)
      },
      () => undefined,
    )
  }

  #read(body: Readable): void {
    this.#upstream = body
    // The parser decodes the bytes itself, keeping characters split across chunks whole.
    const parser = new SseParser((event) => this.#onEvent(event), this.#limits.maxEventSize)
    body.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk)
      } catch (error) {
        this.end(`The upstream event stream could not be read: ${(error as Error).message}.`)
      }
    })
    body.on('end', () => this.end('The upstream server closed its event stream.'))
    body.on('close', () => this.end('The upstream event stream was closed.'))
    body.on('error', (error) => this.end(`The upstream event stream failed: ${error.message}.`))
  }

  #onEvent(event: SseEvent): void {
    if (this.ended !== undefined) return
    if (event.event === 'endpoint') {
      this.#setEndpoint(event.data)
      return
    }
    if (event.event !== 'message') return
    // Not JSON-RPC: nothing anyone could act on.
    for (const message of parseMessagesText(event.data)) this.#route(message)
  }

  #setEndpoint(data: string): void {
    let endpoint: URL
    try {
      endpoint = new URL(data.trim(), this.sseUrl)
    } catch {
      this.end(
        `The upstream server named an endpoint that is not a URL: ${JSON.stringify(data.slice(0, 200))}.`,
      )
      return
    }
    // The token was issued for this origin: it goes nowhere else.
    if (endpoint.origin !== this.sseUrl.origin) {
      this.end(
        `The upstream server named an endpoint on another origin (${endpoint.origin}); the bridge sends the token only to ${this.sseUrl.origin}, so it refused.`,
      )
      return
    }
    this.#endpoint = endpoint
    this.#endpointWaiter?.resolve()
    this.#endpointWaiter = undefined
  }

  #route(message: JsonRpcMessage): void {
    if (isResponse(message)) {
      // An answer nobody waits for any more (timed out, client gone) has nowhere to go:
      // Streamable HTTP forbids responses on the GET stream.
      this.pending.get(idKey(message.id))?.settle(message)
      return
    }
    if (message.method === 'notifications/progress') {
      const token = (message.params as { progressToken?: unknown } | undefined)?.progressToken
      if (token !== undefined) {
        for (const entry of this.pending.values())
          if (entry.progressToken === token) entry.timer?.refresh()
      }
    }
    const event = sseEvent(message)
    if (this.#listener) {
      this.#write(this.#listener, event)
      return
    }
    this.#queue.push(event)
    this.#queued += event.length
    while (
      this.#queue.length > this.#limits.maxQueuedMessages ||
      (this.#queued > this.#limits.maxStreamBuffer && this.#queue.length > 0)
    ) {
      this.#queued -= (this.#queue.shift() as string).length
    }
  }

  /** Writes one event already in SSE form (sse.ts). */
  #write(stream: PassThrough, event: string): void {
    if (stream.destroyed || stream.writableEnded) return
    stream.write(event)
    // A client that stops reading loses its stream rather than growing the bridge's memory.
    if (stream.writableLength > this.#limits.maxStreamBuffer) stream.destroy()
  }
}

/** Why the session could not open: the URL answered, but not with an event stream. */
function notAnEventStream(url: URL, status: number, type: string, said: string): string {
  return `${url.href} did not open an event stream (HTTP ${status}${type ? `, ${type.split(';')[0]}` : ''}${said ? `: ${JSON.stringify(said)}` : ''}), so it does not look like an HTTP+SSE (2024-11-05) server. Check the URL, or configure the server with transport "http".`
}

/** The answer when this POST's requests would wait beyond the session's limit. */
function tooManyWaiting(requests: JsonRpcMessage[], max: number): Outcome {
  return {
    kind: 'answers',
    answers: requests.map((message) =>
      errorResponse(
        message.id ?? null,
        BRIDGE_ERROR,
        `Too many requests are waiting for the upstream server on this session (at most ${max}); try again when some have finished.`,
      ),
    ),
  }
}

/** The answer to a request whose id is already waiting on the session. */
function alreadyWaiting(message: JsonRpcMessage, key: string): object {
  return errorResponse(
    message.id ?? null,
    INVALID_REQUEST,
    `A request with id ${key} is already waiting for its answer on this session.`,
  )
}

/** One message of a batch goes alone; a single message goes as the client's own bytes. */
function payloadOf(
  request: UpstreamRequest,
  message: JsonRpcMessage,
  batch: boolean,
): Buffer | string {
  return batch ? JSON.stringify(message) : (request.body ?? Buffer.from(JSON.stringify(message)))
}

/**
 * The headers every upstream request carries: the static ones, and the bearer token over them.
 * None of the client's: the session id it holds is the bridge's own, and the old transport has no others.
 */
function credentialHeaders(request: Credentials): Record<string, string> {
  const headers: Record<string, string> = { ...request.staticHeaders }
  if (request.token) setHeader(headers, 'authorization', `Bearer ${request.token}`)
  return headers
}

function setHeader(headers: Record<string, string>, name: string, value: string): void {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) delete headers[key]
  headers[name] = value
}

/** Up to `limit` characters of a body, for an error message; the rest is drained and dropped. */
async function readSome(body: Readable, limit: number): Promise<string> {
  let text = ''
  let read = 0
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      if (text.length < limit) text += chunk.toString()
      read += chunk.length
      // Past this, the connection is not worth saving: stop reading.
      if (read >= 64 * 1024) break
    }
  } catch {
    // A broken body has nothing more to say.
  } finally {
    body.destroy()
  }
  return text.slice(0, limit).replace(/\s+/g, ' ').trim()
}
