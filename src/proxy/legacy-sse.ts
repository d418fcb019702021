// Upstreams that speak the older HTTP+SSE transport (MCP 2024-11-05), served to clients as
// Streamable HTTP at the same /mcp/<name>. The old transport has one long-lived GET event stream
// per session and a separate POST endpoint that the stream names in its first `endpoint` event;
// every answer comes back on the stream. The bridge keeps that stream open per client session
// (legacy-sse-session.ts), matches answers to requests by JSON-RPC id, and returns each one as the
// POST's JSON answer. Everything else the server sends (its requests and notifications) goes out
// on the client's GET stream. Sessions are the bridge's own: the client sees an Mcp-Session-Id
// minted here. This module holds the sessions of one upstream and routes each request to its own.
import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import { Agent, type Dispatcher } from 'undici'
import { jsonAnswer } from './json-answer.js'
import {
  BRIDGE_ERROR,
  INVALID_REQUEST,
  PARSE_ERROR,
  errorResponse,
  isRequest,
  parseBody,
  type JsonRpcMessage,
} from './jsonrpc.js'
import { LegacySession, type LegacyLimits } from './legacy-sse-session.js'
import type { UpstreamRequest, UpstreamResponse, UpstreamSender } from './upstream.js'

// transport-detect.ts reads the first event of a probe with the same parser; it imports it from
// here until it names sse-events.ts itself.
export { SseParser, type SseEvent } from './sse-events.js'

export interface LegacySseOptions {
  /** Open sessions per upstream server; when full, the longest-idle session without a client stream is closed. */
  maxSessions?: number
  /** Requests of one session waiting for their answer at once. */
  maxPendingPerSession?: number
  /** The largest client POST body forwarded, in bytes. */
  maxBodyBytes?: number
  /** The most the upstream may send on its stream without completing an event, in bytes. */
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

type Limits = LegacyLimits & { maxSessions: number; maxBodyBytes: number; idleTimeoutMs: number }

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
  const dispatcher =
    options.dispatcher ??
    new Agent({
      keepAliveTimeout: 30_000,
      headersTimeout: limits.connectTimeoutMs,
      bodyTimeout: 0,
      connectTimeout: 15_000,
    })
  const sessions = new Map<string, LegacySession>()
  let opening = 0
  let closed = false

  const sweeper = setInterval(
    () => {
      const now = Date.now()
      for (const session of sessions.values()) {
        if (session.isIdle() && now - session.lastActive > limits.idleTimeoutMs) {
          session.end('The session was idle for too long.')
        }
      }
    },
    Math.max(1_000, Math.min(60_000, limits.idleTimeoutMs)),
  ).unref()

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
    if (!session || session.ended !== undefined || session.sseUrl.href !== request.url.href)
      return undefined
    session.lastActive = Date.now()
    return session
  }

  async function initialize(
    request: UpstreamRequest,
    message: JsonRpcMessage,
  ): Promise<UpstreamResponse> {
    const id = message.id ?? null
    if (!makeRoom()) {
      return jsonAnswer(
        200,
        errorResponse(
          id,
          BRIDGE_ERROR,
          `The bridge already holds ${limits.maxSessions} sessions with ${request.url.href}, all in use; close a client or try again later.`,
        ),
      )
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
        return jsonAnswer(
          200,
          errorResponse(id, BRIDGE_ERROR, `${outcome.reason} (during initialize)`),
        )
      }
      const answer =
        outcome.answers[0] ??
        errorResponse(
          id,
          BRIDGE_ERROR,
          outcome.undelivered ?? 'The upstream server gave no answer to initialize.',
        )
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

  async function post(
    request: UpstreamRequest,
    sessionId: string | undefined,
  ): Promise<UpstreamResponse> {
    const body = request.body ?? Buffer.alloc(0)
    if (body.byteLength > limits.maxBodyBytes) {
      return jsonAnswer(
        413,
        errorResponse(
          null,
          INVALID_REQUEST,
          `The request body is larger than ${limits.maxBodyBytes} bytes.`,
        ),
      )
    }
    const parsed = parseBody(body)
    if (parsed.kind === 'empty' || parsed.kind === 'invalid')
      return jsonAnswer(
        400,
        errorResponse(
          null,
          PARSE_ERROR,
          'Parse error: the body is not a JSON-RPC message or batch.',
        ),
      )
    const batch = parsed.kind === 'batch'
    const messages = parsed.kind === 'batch' ? parsed.messages : [parsed.message]
    if (sessionId === undefined) {
      const first = messages[0]
      if (!batch && first && first.method === 'initialize' && isRequest(first))
        return initialize(request, first)
      return noSessionHeader()
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
    if (closed)
      return jsonAnswer(503, errorResponse(null, BRIDGE_ERROR, 'The bridge is shutting down.'))
    const sessionId = headerValue(request.clientHeaders, 'mcp-session-id')
    if (request.method === 'POST') return post(request, sessionId)
    if (request.method !== 'GET' && request.method !== 'DELETE') {
      return { statusCode: 405, headers: { allow: 'GET, POST, DELETE' }, body: Readable.from([]) }
    }
    if (sessionId === undefined) {
      return noSessionHeader()
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

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined
}

function sessionNotFound(): UpstreamResponse {
  // Streamable HTTP §Session Management: 404 tells the client to start a new session.
  return jsonAnswer(
    404,
    errorResponse(
      null,
      INVALID_REQUEST,
      'Session not found: it has ended or never existed. Send initialize to start a new one.',
    ),
  )
}

function noSessionHeader(): UpstreamResponse {
  return jsonAnswer(
    400,
    errorResponse(
      null,
      INVALID_REQUEST,
      'Bad Request: no Mcp-Session-Id header; start a session with initialize first.',
    ),
  )
}
