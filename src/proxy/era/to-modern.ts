// A 2025 client of a 2026-07-28-only upstream. A modern server has no `initialize` and no
// sessions, and refuses 2025 requests with 400 -32022 (`basic/versioning.mdx` §Compatibility
// Matrix), so the bridge plays the 2025 server: it answers `initialize` from the upstream's
// `server/discover`, keeps the session, and sends every later request as a modern one. An
// `input_required` answer is played out with the client as 2025 server requests
// (legacy-input-rounds.ts). Resource subscriptions become the filter of the GET stream's listen
// (legacy-listen.ts).
import type { UpstreamRequest, UpstreamResponse, UpstreamSender } from '../forward.js'
import { sendUpstream as sendShared } from '../forward.js'
import { onOwnSignal, withFreshToken } from '../upstream.js'
import { BRIDGE_ERROR, INVALID_REQUEST, errorResponse } from '../jsonrpc.js'
import { ROUND_METHODS } from './input-requests.js'
import { relayInputRounds } from './legacy-input-rounds.js'
import { LegacyClientSessions, type LegacyClientSession } from './legacy-sessions.js'
import { mapMessages, readMessages } from './message-stream.js'
import { legacyMessage, modernRequest, type ClientFacts } from './modern-call.js'
import type { ParamDeclaration } from './routing-headers.js'
import { discoverForLegacyClient } from './legacy-initialize.js'
import { offersSubscriptions, openListenForLegacyClient } from './legacy-listen.js'
import { ToolHeaderBook, isHeaderMismatch } from './tool-header-book.js'
import {
  bridgeAnswer,
  emptyAnswer,
  header,
  isRecord,
  jsonAnswer,
  parseMessage,
  type Message,
} from './wire.js'

export interface TranslatingSender {
  send: UpstreamSender
  /** Takes over a session the client opened with the upstream before it changed era. */
  adopt(sessionId: string, caller: string | undefined, protocolVersion: string): void
  close(): void
}

/** Answered here: 2026-07-28 removed them from the core (changelog), and they need no upstream. */
const LOCAL_ANSWERS: Record<
  string,
  (session: LegacyClientSession, params: Record<string, unknown>) => object
> = {
  ping: () => ({}),
  'logging/setLevel': (session, params) => {
    if (typeof params.level === 'string') session.logLevel = params.level
    return {}
  },
}

/** How long a resources/subscribe waits for the GET stream's listen to be opened anew. */
const SUBSCRIBE_WAIT_MS = 10_000

/** Settles when `work` does, or after `ms`, whichever comes first. */
async function atMost(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    work,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer))
}

/** Ties a forwarded call to the client's request and to a notifications/cancelled naming it. */
function trackInflight(
  request: UpstreamRequest,
  key: string,
  session: LegacyClientSession,
): { controller: AbortController; release: () => void } {
  const controller = new AbortController()
  const onAbort = () => controller.abort()
  request.signal.addEventListener('abort', onAbort, { once: true })
  session.inflight.set(key, controller)
  const release = () => {
    request.signal.removeEventListener('abort', onAbort)
    if (session.inflight.get(key) === controller) session.inflight.delete(key)
  }
  return { controller, release }
}

/** Input rounds need a stream to ask the client on: only then is the upstream told it may ask. */
function playsRounds(
  request: UpstreamRequest,
  method: string,
  session: LegacyClientSession,
): boolean {
  return (
    Object.keys(session.inputCapabilities).length > 0 &&
    ROUND_METHODS.has(method) &&
    String(request.clientHeaders.accept ?? '').includes('text/event-stream')
  )
}

/** The client's answer to a 400 on a call that is not about the tool headers. */
function refusalAnswer(refusal: Message[], message: Message, method: string): UpstreamResponse {
  // -32021: the server wants input this client cannot be asked for; legacyMessage says why, as a 2025 error.
  const missing = refusal.find((said) => isRecord(said.error) && said.error.code === -32021)
  if (missing) return jsonAnswer(200, legacyMessage(missing, method))
  return jsonAnswer(
    400,
    refusal[0] ??
      errorResponse(
        message.id ?? null,
        BRIDGE_ERROR,
        'The upstream server refused the call (HTTP 400).',
      ),
  )
}

/** What one forwarded call sends upstream, each time it is sent. */
interface ForwardedCall {
  message: Message
  method: string
  session: LegacyClientSession
  facts: ClientFacts
  declarations: () => ParamDeclaration[]
}

export function createToModernSender(sendUpstream: UpstreamSender = sendShared): TranslatingSender {
  const sessions = new LegacyClientSessions()
  const book = new ToolHeaderBook()

  async function post(
    request: UpstreamRequest,
    session: LegacyClientSession,
  ): Promise<UpstreamResponse> {
    const message = parseMessage(request.body)
    if (!message)
      return bridgeAnswer(
        400,
        errorResponse(
          null,
          INVALID_REQUEST,
          'Bad Request: the bridge relays one JSON-RPC message per POST to a 2026-07-28 server, not batches.',
        ),
      )
    const method = String(message.method ?? '')
    const params = (message.params ?? {}) as Record<string, unknown>
    if (message.id === undefined) {
      // notifications/initialized has no upstream counterpart; a cancel on HTTP is closing the stream
      // (basic/patterns/cancellation.mdx §Transport-Specific Cancellation).
      if (method === 'notifications/cancelled')
        session.inflight.get(JSON.stringify(params.requestId))?.abort()
      return emptyAnswer(202)
    }
    if (message.method === undefined) {
      // A response to a request of an input round (legacy-input-rounds.ts); to anything else, nothing.
      session.awaiting.get(String(message.id))?.(message)
      return emptyAnswer(202)
    }
    const local = LOCAL_ANSWERS[method]
    if (local)
      return jsonAnswer(200, { jsonrpc: '2.0', id: message.id, result: local(session, params) })
    if (
      (method === 'resources/subscribe' || method === 'resources/unsubscribe') &&
      offersSubscriptions(session.serverCapabilities) &&
      typeof params.uri === 'string'
    ) {
      // A 2026-07-28 server has no subscribe request: the URI joins the session's listen filter.
      // Answered once the new listen is open, so updates after the answer reach the client; but a
      // listen's answer has no time limit, so the wait for it has one.
      if (method === 'resources/subscribe') session.resourceSubscriptions.add(params.uri)
      else session.resourceSubscriptions.delete(params.uri)
      await atMost(
        SUBSCRIBE_WAIT_MS,
        Promise.all([...session.listens].map((listen) => listen.refresh())),
      )
      return jsonAnswer(200, { jsonrpc: '2.0', id: message.id, result: {} })
    }
    if (
      method === 'resources/subscribe' ||
      method === 'resources/unsubscribe' ||
      method.startsWith('tasks/')
    ) {
      return jsonAnswer(
        200,
        errorResponse(
          message.id,
          -32601,
          `${method} has no 2026-07-28 counterpart the bridge relays (the upstream speaks only 2026-07-28).`,
        ),
      )
    }
    return forward(request, message, method, session)
  }

  /** Lists the upstream's tools anew, on the call's signal, to learn the headers they declare. */
  function relearnTools(signalled: UpstreamRequest, session: LegacyClientSession): Promise<void> {
    return book.relearn((cursor) =>
      sendUpstream(
        modernRequest(
          signalled,
          {
            jsonrpc: '2.0',
            id: 'bridge-tools-list',
            method: 'tools/list',
            params: cursor ? { cursor } : {},
          },
          session,
        ),
      ),
    )
  }

  /** The client's answer as a stream on which the upstream's input rounds are played out. */
  function playRounds(
    upstream: UpstreamResponse,
    signalled: UpstreamRequest,
    call: ForwardedCall,
    signal: AbortSignal,
  ): UpstreamResponse {
    const { message, method, session, facts, declarations } = call
    return relayInputRounds(upstream, {
      session,
      message,
      method,
      signal,
      // The client may have taken minutes to answer: the retry carries the token as it is now.
      retry: async (params, id) =>
        sendUpstream(
          modernRequest(
            await withFreshToken(signalled),
            { ...message, id, params },
            facts,
            declarations(),
          ),
        ),
    })
  }

  /** The upstream's answer as 2025 messages; a tools/list teaches the book the tools' headers. */
  function legacyAnswers(upstream: UpstreamResponse, method: string): UpstreamResponse {
    return mapMessages(upstream, (answer) => {
      if (method === 'tools/list') book.learn(answer)
      return legacyMessage(answer, method)
    })
  }

  async function forward(
    request: UpstreamRequest,
    message: Message,
    method: string,
    session: LegacyClientSession,
  ): Promise<UpstreamResponse> {
    const { controller, release } = trackInflight(request, JSON.stringify(message.id), session)
    const signalled = onOwnSignal(request, controller.signal)
    const tool =
      method === 'tools/call'
        ? String((message.params as { name?: unknown } | undefined)?.name ?? '')
        : undefined
    const declarations = () => (tool === undefined ? [] : book.declarationsOf(tool))
    const rounds = playsRounds(request, method, session)
    const facts = rounds
      ? { ...session, capabilities: { ...session.capabilities, ...session.inputCapabilities } }
      : session
    const call: ForwardedCall = { message, method, session, facts, declarations }
    try {
      let upstream = await sendUpstream(modernRequest(signalled, message, facts, declarations()))
      // -32020 on a call whose schema the bridge had not seen: learn it and send once more
      // (streamable-http.mdx §Client Behavior).
      if (tool !== undefined && upstream.statusCode === 400) {
        const refusal = await readMessages(upstream)
        if (!isHeaderMismatch(refusal)) {
          release()
          return refusalAnswer(refusal, message, method)
        }
        await relearnTools(signalled, session)
        upstream = await sendUpstream(modernRequest(signalled, message, facts, declarations()))
      }
      if (rounds && upstream.statusCode === 200) {
        const played = playRounds(upstream, signalled, call, controller.signal)
        played.body.once('close', release)
        return played
      }
      const mapped = legacyAnswers(upstream, method)
      mapped.body.once('close', release)
      return mapped
    } catch (error) {
      release()
      throw error
    }
  }

  const send: UpstreamSender = async (request) => {
    const sessionId = header(request, 'mcp-session-id')
    if (sessionId === undefined) {
      const message = request.method === 'POST' ? parseMessage(request.body) : undefined
      if (message?.method === 'initialize' && message.id !== undefined)
        return discoverForLegacyClient(request, message, sessions, sendUpstream)
      return bridgeAnswer(
        400,
        errorResponse(
          null,
          INVALID_REQUEST,
          'Bad Request: no Mcp-Session-Id header; start a session with initialize first.',
        ),
      )
    }
    const session = sessions.get(sessionId, request.caller)
    // A session the bridge does not hold (ended, or from before a restart): the client starts anew
    // (2025-11-25 streamable-http.mdx §Session Management).
    if (!session) return jsonAnswer(404, errorResponse(null, BRIDGE_ERROR, 'Session not found'))
    if (request.method === 'DELETE') return emptyAnswer(sessions.end(sessionId) ? 200 : 404)
    if (request.method === 'GET') return openListenForLegacyClient(request, session, sendUpstream)
    return post(request, session)
  }

  return {
    send,
    adopt: (sessionId, caller, protocolVersion) =>
      void sessions.adopt(sessionId, caller, protocolVersion),
    close: () => sessions.endAll(),
  }
}
