// Upstreams that speak the older HTTP+SSE transport (MCP 2024-11-05), served to clients as
// Streamable HTTP at the same /mcp/<name>. The old transport has one long-lived GET event stream
// per session and a separate POST endpoint that the stream names in its first `endpoint` event;
// every answer comes back on the stream. The bridge keeps that stream open per client session,
// matches answers to requests by JSON-RPC id, and returns each one as the POST's JSON answer.
// Everything else the server sends (its requests and notifications) goes out on the client's
// GET stream. Sessions are the bridge's own: the client sees an Mcp-Session-Id minted here.
import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { PassThrough, Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { Agent, type Dispatcher } from 'undici'
import type { ServerEntry } from '../config/schema.js'
import { sendUpstream, type UpstreamRequest, type UpstreamResponse, type UpstreamSender } from './forward.js'
import { BRIDGE_ERROR, INVALID_REQUEST, PARSE_ERROR, errorResponse, type JsonRpcId } from './jsonrpc.js'

export interface LegacySseOptions {
  /** Open sessions per upstream server; when full, the longest-idle session without a client stream is closed. */
  maxSessions?: number
  /** Requests of one session waiting for their answer at once. */
  maxPendingPerSession?: number
  /** The largest client POST body forwarded, in bytes. */
  maxBodyBytes?: number
  /** The largest single event the upstream may send on its stream, in characters. */
  maxEventSize?: number
  /** Server messages kept for a session while its client has no GET stream open. */
  maxQueuedMessages?: number
  /** Characters queued for a client GET stream (or kept while it has none) before the oldest are dropped or the stream is ended. */
  maxStreamBuffer?: number
  /** How long a request waits for its answer; progress notifications for it restart the clock. */
  requestTimeoutMs?: number
  /** How long opening the upstream stream may take, up to its `endpoint` event. */
  connectTimeoutMs?: number
  /** A session without a client stream and without requests in flight is closed after this long. */
  idleTimeoutMs?: number
  /** The undici dispatcher to use; by default the sender has its own, closed by close(). */
  dispatcher?: Dispatcher
}

export interface LegacySseSender {
  send: UpstreamSender
  /** Ends every session (closing the upstream streams) and releases the connections. */
  close(): Promise<void>
  /** Open sessions, for tests and diagnostics. */
  sessionCount(): number
}

const DEFAULTS = {
  maxSessions: 32,
  maxPendingPerSession: 64,
  maxBodyBytes: 4 * 1024 * 1024,
  maxEventSize: 16 * 1024 * 1024,
  maxQueuedMessages: 256,
  maxStreamBuffer: 8 * 1024 * 1024,
  requestTimeoutMs: 5 * 60_000,
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 30 * 60_000,
}

type Limits = typeof DEFAULTS

type Message = { [key: string]: unknown; id?: JsonRpcId; method?: unknown; params?: unknown }

/** The answer to one client POST, or the reason there is none. */
type Outcome =
  | { kind: 'answers'; answers: object[]; undelivered?: string }
  | { kind: 'refused'; response: UpstreamResponse }
  | { kind: 'gone'; reason: string }

type Delivery =
  | { kind: 'ok' }
  | { kind: 'refused'; response: UpstreamResponse }
  | { kind: 'gone'; reason: string }
  | { kind: 'failed'; reason: string }

export function createLegacySseSender(options: LegacySseOptions = {}): LegacySseSender {
  const limits: Limits = {
    maxSessions: options.maxSessions ?? DEFAULTS.maxSessions,
    maxPendingPerSession: options.maxPendingPerSession ?? DEFAULTS.maxPendingPerSession,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    maxEventSize: options.maxEventSize ?? DEFAULTS.maxEventSize,
    maxQueuedMessages: options.maxQueuedMessages ?? DEFAULTS.maxQueuedMessages,
    maxStreamBuffer: options.maxStreamBuffer ?? DEFAULTS.maxStreamBuffer,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
  }
  const ownDispatcher = options.dispatcher === undefined
  // bodyTimeout 0: the event stream stays open for as long as the session lives.
  const dispatcher = options.dispatcher ?? new Agent({
    keepAliveTimeout: 30_000,
    headersTimeout: limits.connectTimeoutMs,
    bodyTimeout: 0,
    connectTimeout: 15_000,
  })
  const sessions = new Map<string, LegacySession>()
  let opening = 0
  let closed = false

  const sweeper = setInterval(() => {
    const now = Date.now()
    for (const session of sessions.values()) {
      if (session.isIdle() && now - session.lastActive > limits.idleTimeoutMs) {
        session.end('The session was idle for too long.')
      }
    }
  }, Math.max(1_000, Math.min(60_000, limits.idleTimeoutMs))).unref()

  const forget = (session: LegacySession) => {
    if (sessions.get(session.id) === session) sessions.delete(session.id)
  }

  /** Makes room for one more session: closes the longest-idle one that nobody is using. */
  const makeRoom = (): boolean => {
    if (sessions.size + opening < limits.maxSessions) return true
    let oldest: LegacySession | undefined
    for (const session of sessions.values()) {
      if (session.isIdle() && (!oldest || session.lastActive < oldest.lastActive)) oldest = session
    }
    if (!oldest) return false
    oldest.end('The bridge closed this session to make room for a new one.')
    return sessions.size + opening < limits.maxSessions
  }

  const lookup = (request: UpstreamRequest, sessionId: string): LegacySession | undefined => {
    const session = sessions.get(sessionId)
    // A session belongs to one upstream URL; after a configuration change it is gone for the client.
    if (!session || session.ended !== undefined || session.sseUrl.href !== request.url.href) return undefined
    session.lastActive = Date.now()
    return session
  }

  async function initialize(request: UpstreamRequest, message: Message): Promise<UpstreamResponse> {
    const id = message.id ?? null
    if (!makeRoom()) {
      return jsonAnswer(200, errorResponse(id, BRIDGE_ERROR, `The bridge already holds ${limits.maxSessions} sessions with ${request.url.href}, all in use; close a client or try again later.`))
    }
    opening += 1
    const session = new LegacySession(request.url, limits, dispatcher, forget)
    try {
      const refused = await session.open(request, id)
      if (refused) return refused
      const outcome = await session.exchange(request, [message], false)
      if (outcome.kind === 'refused') {
        session.end('The upstream server refused the initialize request.')
        return outcome.response
      }
      if (outcome.kind === 'gone') {
        session.end(outcome.reason)
        return jsonAnswer(200, errorResponse(id, BRIDGE_ERROR, `${outcome.reason} (during initialize)`))
      }
      const answer = outcome.answers[0] ?? errorResponse(id, BRIDGE_ERROR, outcome.undelivered ?? 'The upstream server gave no answer to initialize.')
      if ('error' in answer || session.ended !== undefined || closed) {
        session.end('The initialize request failed.')
        return jsonAnswer(200, answer)
      }
      sessions.set(session.id, session)
      return jsonAnswer(200, answer, { 'mcp-session-id': session.id })
    } catch (error) {
      session.end('Opening the session failed.')
      throw error
    } finally {
      opening -= 1
    }
  }

  async function post(request: UpstreamRequest, sessionId: string | undefined): Promise<UpstreamResponse> {
    const body = request.body ?? Buffer.alloc(0)
    if (body.byteLength > limits.maxBodyBytes) {
      return jsonAnswer(413, errorResponse(null, INVALID_REQUEST, `The request body is larger than ${limits.maxBodyBytes} bytes.`))
    }
    const parsed = parseMessages(body)
    if (!parsed) return jsonAnswer(400, errorResponse(null, PARSE_ERROR, 'Parse error: the body is not a JSON-RPC message or batch.'))
    const { messages, batch } = parsed
    if (sessionId === undefined) {
      const first = messages[0]
      if (!batch && first && first.method === 'initialize' && isRequest(first)) return initialize(request, first)
      return jsonAnswer(400, errorResponse(null, INVALID_REQUEST, 'Bad Request: no Mcp-Session-Id header; start a session with initialize first.'))
    }
    const session = lookup(request, sessionId)
    if (!session) return sessionNotFound()
    const outcome = await session.exchange(request, messages, batch)
    if (outcome.kind === 'refused') return outcome.response
    if (outcome.kind === 'gone') {
      session.end(outcome.reason)
      return sessionNotFound()
    }
    if (outcome.answers.length === 0) {
      return outcome.undelivered === undefined
        ? { statusCode: 202, headers: {}, body: Readable.from([]) }
        : jsonAnswer(502, errorResponse(null, BRIDGE_ERROR, outcome.undelivered))
    }
    return jsonAnswer(200, batch ? outcome.answers : outcome.answers[0])
  }

  const send: UpstreamSender = async (request) => {
    if (closed) return jsonAnswer(503, errorResponse(null, BRIDGE_ERROR, 'The bridge is shutting down.'))
    const sessionId = headerValue(request.clientHeaders, 'mcp-session-id')
    if (request.method === 'POST') return post(request, sessionId)
    if (request.method !== 'GET' && request.method !== 'DELETE') {
      return { statusCode: 405, headers: { allow: 'GET, POST, DELETE' }, body: Readable.from([]) }
    }
    if (sessionId === undefined) {
      return jsonAnswer(400, errorResponse(null, INVALID_REQUEST, 'Bad Request: no Mcp-Session-Id header; start a session with initialize first.'))
    }
    const session = lookup(request, sessionId)
    if (!session) return sessionNotFound()
    if (request.method === 'DELETE') {
      session.end('The client ended the session.')
      return { statusCode: 200, headers: {}, body: Readable.from([]) }
    }
    return session.attach()
  }

  return {
    send,
    sessionCount: () => sessions.size,
    async close() {
      closed = true
      clearInterval(sweeper)
      for (const session of [...sessions.values()]) session.end('The bridge is shutting down.')
      if (ownDispatcher) await dispatcher.destroy().catch(() => undefined)
    },
  }
}

type Credentials = Pick<UpstreamRequest, 'staticHeaders' | 'token'>

interface Pending {
  id: JsonRpcId
  progressToken: unknown
  /** Undefined when there is no limit. */
  timer: NodeJS.Timeout | undefined
  settle: (answer: object) => void
}

/** One client session: the upstream event stream, its POST endpoint, and the requests in flight. */
class LegacySession {
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
  #queue: string[] = []
  #queued = 0
  /** The credentials of the latest client request: for the bridge's own cancel notifications. */
  #credentials: Credentials | undefined
  /** Set when the upstream's answer was handed to the caller, whose body must then stay readable. */
  #handedOff = false
  readonly #controller = new AbortController()
  readonly #limits: Limits
  readonly #dispatcher: Dispatcher
  readonly #onEnd: (session: LegacySession) => void

  constructor(sseUrl: URL, limits: Limits, dispatcher: Dispatcher, onEnd: (session: LegacySession) => void) {
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
    const headers = upstreamHeaders(request)
    setHeader(headers, 'accept', 'text/event-stream')
    setHeader(headers, 'cache-control', 'no-cache')
    // Until the session is ready, a client that goes away takes the half-made session with it.
    const onClientGone = () => this.end('The client went away while the session was being opened.')
    request.signal.addEventListener('abort', onClientGone)
    const timer = setTimeout(() => {
      this.end(`${this.sseUrl.href} did not open its event stream and name its endpoint within ${this.#limits.connectTimeoutMs / 1000} s.`)
    }, this.#limits.connectTimeoutMs)
    try {
      if (request.signal.aborted) onClientGone()
      let response: Dispatcher.ResponseData
      try {
        response = await this.#dispatcher.request({
          origin: this.sseUrl.origin,
          path: `${this.sseUrl.pathname}${this.sseUrl.search}`,
          method: 'GET',
          headers,
          signal: this.#controller.signal,
        })
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
        return fail(`${this.sseUrl.href} did not open an event stream (HTTP ${response.statusCode}${type ? `, ${type.split(';')[0]}` : ''}${said ? `: ${JSON.stringify(said)}` : ''}), so it does not look like an HTTP+SSE (2024-11-05) server. Check the URL, or configure the server with transport "http".`)
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

  /** Delivers the client's messages one by one and waits for the answers to its requests. */
  async exchange(request: UpstreamRequest, messages: Message[], batch: boolean): Promise<Outcome> {
    this.#credentials = { staticHeaders: request.staticHeaders, token: request.token }
    const requests = messages.filter(isRequest)
    if (this.pending.size + requests.length > this.#limits.maxPendingPerSession) {
      return {
        kind: 'answers',
        answers: requests.map((message) => errorResponse(message.id ?? null, BRIDGE_ERROR,
          `Too many requests are waiting for the upstream server on this session (at most ${this.#limits.maxPendingPerSession}); try again when some have finished.`)),
      }
    }
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
            waits.push(Promise.resolve(errorResponse(message.id ?? null, INVALID_REQUEST, `A request with id ${key} is already waiting for its answer on this session.`)))
            continue
          }
          // Registered before the POST: the answer may arrive on the stream before the POST returns.
          expected = this.#expect(message, request.timeoutMs)
          mine.push(expected.entry)
        }
        const payload = batch ? JSON.stringify(message) : (request.body ?? Buffer.from(JSON.stringify(message)))
        const delivery = await this.#deliver(request, payload)
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
    for (const text of queued) this.#write(stream, text)
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
      entry.settle(errorResponse(entry.id, BRIDGE_ERROR, `${reason} The request got no answer and the session has ended; reconnect to start a new one.`))
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
  #expect(message: Message, configuredMs: number | undefined): { entry: Pending; answer: Promise<object> } {
    const key = idKey(message.id)
    const id = message.id ?? null
    const method = String(message.method)
    const limitMs = configuredMs ?? this.#limits.requestTimeoutMs
    const setting = configuredMs === undefined ? '' : ' (upstreamTimeoutSeconds in config.json; raise it, or set 0 for no limit, if this server is just slow)'
    let entry: Pending | undefined
    const answer = new Promise<object>((resolve) => {
      const created: Pending = {
        id,
        progressToken: progressTokenOf(message),
        timer: limitMs > 0 ? setTimeout(() => {
          created.settle(errorResponse(id, BRIDGE_ERROR, `The upstream server ${this.sseUrl.href} did not answer ${method} within ${limitMs / 1000} s${setting}; the bridge stopped waiting and asked the server to cancel it.`))
          void this.#cancelUpstream(id)
        }, limitMs) : undefined,
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
    if (!endpoint || this.ended !== undefined) return { kind: 'gone', reason: this.ended ?? 'The session has no endpoint.' }
    const headers = upstreamHeaders(request)
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
      return { kind: 'failed', reason: `The message could not be delivered to ${endpoint.origin}: ${(error as Error).message}.` }
    }
    const status = response.statusCode
    if (status === 401 || status === 403) return { kind: 'refused', response: { statusCode: status, headers: response.headers, body: response.body } }
    if (status >= 200 && status < 300) {
      await readSome(response.body, 0)
      return { kind: 'ok' }
    }
    const said = await readSome(response.body, 300)
    if (status === 404 || status === 410) {
      return { kind: 'gone', reason: `The upstream server no longer knows this session (HTTP ${status}${said ? `: ${JSON.stringify(said)}` : ''}).` }
    }
    return { kind: 'failed', reason: `The upstream server refused the message with HTTP ${status}${said ? `: ${JSON.stringify(said)}` : ''}.` }
  }

  async #cancelUpstream(id: JsonRpcId): Promise<void> {
    const request = this.#credentials
    if (!request || this.ended !== undefined) return
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'The bridge stopped waiting for the answer.' } })
    await this.#deliver(request, body).then(async (delivery) => {
      if (delivery.kind === 'refused') await readSome(delivery.response.body, 0)
    }, () => undefined)
  }

  #read(body: Readable): void {
    this.#upstream = body
    // undici's body ignores setEncoding; a StringDecoder keeps characters split across chunks whole.
    const decoder = new StringDecoder('utf8')
    const parser = new SseParser((event) => this.#onEvent(event), this.#limits.maxEventSize)
    body.on('data', (chunk: Buffer | string) => {
      try {
        parser.push(typeof chunk === 'string' ? chunk : decoder.write(chunk))
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
    let value: unknown
    try {
      value = JSON.parse(event.data)
    } catch {
      return // Not JSON-RPC: nothing anyone could act on.
    }
    for (const message of Array.isArray(value) ? value : [value]) {
      if (isObject(message)) this.#route(message as Message)
    }
  }

  #setEndpoint(data: string): void {
    let endpoint: URL
    try {
      endpoint = new URL(data.trim(), this.sseUrl)
    } catch {
      this.end(`The upstream server named an endpoint that is not a URL: ${JSON.stringify(data.slice(0, 200))}.`)
      return
    }
    // The token was issued for this origin: it goes nowhere else.
    if (endpoint.origin !== this.sseUrl.origin) {
      this.end(`The upstream server named an endpoint on another origin (${endpoint.origin}); the bridge sends the token only to ${this.sseUrl.origin}, so it refused.`)
      return
    }
    this.#endpoint = endpoint
    this.#endpointWaiter?.resolve()
    this.#endpointWaiter = undefined
  }

  #route(message: Message): void {
    const isResponse = message.method === undefined && 'id' in message && ('result' in message || 'error' in message)
    if (isResponse) {
      // An answer nobody waits for any more (timed out, client gone) has nowhere to go:
      // Streamable HTTP forbids responses on the GET stream.
      this.pending.get(idKey(message.id))?.settle(message)
      return
    }
    if (message.method === 'notifications/progress') {
      const token = (message.params as { progressToken?: unknown } | undefined)?.progressToken
      if (token !== undefined) {
        for (const entry of this.pending.values()) if (entry.progressToken === token) entry.timer?.refresh()
      }
    }
    const text = JSON.stringify(message)
    if (this.#listener) {
      this.#write(this.#listener, text)
      return
    }
    this.#queue.push(text)
    this.#queued += text.length
    while (this.#queue.length > this.#limits.maxQueuedMessages || (this.#queued > this.#limits.maxStreamBuffer && this.#queue.length > 0)) {
      this.#queued -= (this.#queue.shift() as string).length
    }
  }

  #write(stream: PassThrough, text: string): void {
    if (stream.destroyed || stream.writableEnded) return
    stream.write(`event: message\ndata: ${text}\n\n`)
    // A client that stops reading loses its stream rather than growing the bridge's memory.
    if (stream.writableLength > this.#limits.maxStreamBuffer) stream.destroy()
  }
}

export interface SseEvent {
  /** The event type; "message" when the server named none. */
  event: string
  data: string
  id: string | undefined
}

/**
 * A server-sent events parser (WHATWG HTML §9.2.6): CR, LF and CRLF line ends (split across chunks
 * too), comments, multi-line data. Throws when a line or an event outgrows `maxSize` characters.
 */
export class SseParser {
  readonly #onEvent: (event: SseEvent) => void
  readonly #maxSize: number
  #partial = ''
  #skipLf = false
  #first = true
  #data: string[] = []
  #size = 0
  #event = ''
  #id: string | undefined

  constructor(onEvent: (event: SseEvent) => void, maxSize: number) {
    this.#onEvent = onEvent
    this.#maxSize = maxSize
  }

  push(chunk: string): void {
    if (chunk === '') return
    if (this.#skipLf) {
      this.#skipLf = false
      if (chunk.startsWith('\n')) chunk = chunk.slice(1)
    }
    if (this.#first && chunk !== '') {
      this.#first = false
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1)
    }
    const text = this.#partial + chunk
    const breaks = /\r\n|\r|\n/g
    // The partial line holds no line break, so the search starts where the new text does.
    breaks.lastIndex = this.#partial.length
    let start = 0
    for (let match = breaks.exec(text); match !== null; match = breaks.exec(text)) {
      const line = text.slice(start, match.index)
      start = match.index + match[0].length
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && start === text.length) this.#skipLf = true
      this.#line(line)
    }
    this.#partial = text.slice(start)
    if (this.#partial.length + this.#size > this.#maxSize) throw new Error(`an event is larger than ${this.#maxSize} characters`)
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch()
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') {
      this.#data.push(value)
      this.#size += value.length + 1
      if (this.#size > this.#maxSize) throw new Error(`an event is larger than ${this.#maxSize} characters`)
    } else if (field === 'event') {
      this.#event = value
    } else if (field === 'id' && !value.includes('\0')) {
      this.#id = value
    }
  }

  #dispatch(): void {
    const data = this.#data
    const event = this.#event
    this.#data = []
    this.#size = 0
    this.#event = ''
    if (data.length === 0) return
    this.#onEvent({ event: event || 'message', data: data.join('\n'), id: this.#id })
  }
}

export interface UpstreamSenders {
  /** For `BridgeAppOptions.senderFor`: Streamable HTTP, or this server's legacy SSE sender. */
  senderFor(name: string, entry: ServerEntry): UpstreamSender
  close(): Promise<void>
}

/** One legacy sender per configured server (made on first use, replaced when its URL changes). */
export function createUpstreamSenders(options: LegacySseOptions & { send?: UpstreamSender } = {}): UpstreamSenders {
  // Streamable HTTP goes through the sender handed in (a bridge's own pool), else the shared one.
  const streamable = options.send ?? sendUpstream
  const legacy = new Map<string, { url: string; sender: LegacySseSender }>()
  const drop = (name: string) => {
    const current = legacy.get(name)
    if (!current) return
    legacy.delete(name)
    void current.sender.close()
  }
  return {
    senderFor(name, entry) {
      if (entry.transport !== 'sse') {
        drop(name)
        return streamable
      }
      let current = legacy.get(name)
      if (current && current.url !== entry.url) {
        drop(name)
        current = undefined
      }
      if (!current) {
        current = { url: entry.url, sender: createLegacySseSender(options) }
        legacy.set(name, current)
      }
      return current.sender.send
    },
    async close() {
      const all = [...legacy.values()]
      legacy.clear()
      await Promise.all(all.map((entry) => entry.sender.close()))
    },
  }
}

function parseMessages(body: Buffer): { messages: Message[]; batch: boolean } | undefined {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.every(isObject)) return undefined
    return { messages: value as Message[], batch: true }
  }
  return isObject(value) ? { messages: [value as Message], batch: false } : undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isRequest(message: Message): boolean {
  return typeof message.method === 'string' && message.id !== undefined
}

/** Ids compare by JSON value: 1 and "1" are different requests. */
function idKey(id: unknown): string {
  return JSON.stringify(id ?? null)
}

function progressTokenOf(message: Message): unknown {
  const params = message.params as { _meta?: { progressToken?: unknown } } | undefined
  return params?._meta?.progressToken
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined
}

/** The headers every upstream request carries: the static ones, and the bearer token over them. */
function upstreamHeaders(request: Credentials): Record<string, string> {
  const headers: Record<string, string> = { ...request.staticHeaders }
  if (request.token) setHeader(headers, 'authorization', `Bearer ${request.token}`)
  return headers
}

function setHeader(headers: Record<string, string>, name: string, value: string): void {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) delete headers[key]
  headers[name] = value
}

function sessionNotFound(): UpstreamResponse {
  // Streamable HTTP §Session Management: 404 tells the client to start a new session.
  return jsonAnswer(404, errorResponse(null, INVALID_REQUEST, 'Session not found: it has ended or never existed. Send initialize to start a new one.'))
}

function jsonAnswer(statusCode: number, value: unknown, extra: Record<string, string> = {}): UpstreamResponse {
  const text = Buffer.from(JSON.stringify(value))
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'content-length': String(text.byteLength), ...extra },
    body: Readable.from([text]),
  }
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
