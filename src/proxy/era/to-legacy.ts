// A 2026-07-28 client of a 2025-only upstream. Such a server wants `initialize` and a session
// first and refuses everything else with 400 (`basic/versioning.mdx` §Compatibility Matrix), so
// the bridge plays the 2025 client: one upstream session per client identity, requests sent on
// it without the modern envelope, and answers marked as modern results. The upstream's mid-call
// requests become input_required rounds (to-legacy-rounds.ts), and a listen is served from the
// session's GET stream (listen-from-get.ts).
import type { UpstreamRequest, UpstreamResponse, UpstreamSender } from '../forward.js'
import { sendUpstream as sendShared } from '../forward.js'
import { onOwnSignal, withFreshToken } from '../upstream.js'
import { INVALID_REQUEST, errorResponse, type JsonRpcId } from '../jsonrpc.js'
import { ROUND_METHODS, inputCapabilities } from './input-requests.js'
import { isEventStream, mapMessages, readMessages } from './message-stream.js'
import { createListens, type AskSession } from './listen-from-get.js'
import { createLegacyRounds } from './to-legacy-rounds.js'
import { discoverResult, modernMessage } from './modern-results.js'
import { UpstreamSessions, type UpstreamSession } from './upstream-sessions.js'
import {
  bridgeAnswer,
  CLIENT_CAPABILITIES_META,
  CLIENT_INFO_META,
  MODERN,
  PROTOCOL_VERSION_META,
  RESERVED_META_PREFIX,
  emptyAnswer,
  isRecord,
  jsonAnswer,
  metaOf,
  paramsOf,
  parseMessage,
  type Implementation,
  type Message,
} from './wire.js'

export interface ToLegacyOptions {
  /** How long a call that asked the client for input waits for its retry (tests shorten it). */
  inputWaitMs?: number
}

/** One call relayed on an upstream session, under the id the bridge gave it there. */
interface RelayedCall {
  request: UpstreamRequest
  message: Message
  method: string
  session: UpstreamSession
  upstreamId: number
}

/**
 * A call that may ask the client for input outlives the client's request (its answer is an
 * input_required round): it goes on a signal of its own, without a limit on its silence, since
 * the upstream waits for a person; INPUT_WAIT_MS bounds the wait (to-legacy-rounds.ts).
 */
function ownCall(method: string, session: UpstreamSession): AbortController | undefined {
  return ROUND_METHODS.has(method) && Object.keys(inputCapabilities(session.declared)).length > 0
    ? new AbortController()
    : undefined
}

export function createToLegacySender(
  sendUpstream: UpstreamSender = sendShared,
  options: ToLegacyOptions = {},
): { send: UpstreamSender; close(): void } {
  const sessions = new UpstreamSessions(sendUpstream)

  /**
   * A message of the bridge's own on the session, on a signal of its own and with the token as it
   * is now (the request may be long past: a ping on a shared GET stream). A session the upstream
   * no longer knows is opened anew next time.
   */
  const sendOnSession = async (
    request: UpstreamRequest,
    session: UpstreamSession,
    message: object,
  ): Promise<UpstreamResponse> => {
    const current = await withFreshToken(request)
    const sent = await sendUpstream(
      onSession(onOwnSignal(current, new AbortController().signal), session, message),
    )
    if (sent.statusCode === 404) sessions.forget(session)
    return sent
  }
  /** Resolves with the upstream's HTTP status. */
  const post = async (
    request: UpstreamRequest,
    session: UpstreamSession,
    message: object,
  ): Promise<number> => {
    const sent = await sendOnSession(request, session, message)
    sent.body.resume()
    return sent.statusCode
  }
  /** For messages nobody waits on (a refusal, a cancel): what becomes of them changes nothing here. */
  const tell = (request: UpstreamRequest, session: UpstreamSession, message: object) =>
    void post(request, session, message).catch(() => undefined)
  /** A request of the bridge's own on the session (a resource subscription): true for a result. */
  const ask: AskSession = async (request, session, method, params) => {
    const id = `bridge-${session.nextId++}`
    const sent = await sendOnSession(request, session, { jsonrpc: '2.0', id, method, params })
    if (sent.statusCode !== 200) {
      sent.body.resume()
      return false
    }
    const answer = (await readMessages(sent)).find((message) => message.id === id)
    return answer?.result !== undefined
  }
  const rounds = createLegacyRounds(post, options.inputWaitMs)
  const listens = createListens(sendUpstream, tell, ask)

  /** Sends the call on the session; until the answer starts, the client leaving still ends it. */
  async function sendCall(
    call: RelayedCall,
    own: AbortController | undefined,
  ): Promise<UpstreamResponse> {
    const { request, message, method, session, upstreamId } = call
    const outgoing = own ? { ...onOwnSignal(request, own.signal), timeoutMs: 0 } : request
    const leave = () => own?.abort()
    if (own) request.signal.addEventListener('abort', leave, { once: true })
    return await sendUpstream(
      onSession(outgoing, session, {
        jsonrpc: '2.0',
        id: upstreamId,
        method,
        ...legacyParams(message),
      }),
    ).finally(() => request.signal.removeEventListener('abort', leave))
  }

  /** The answer as modern messages; until it ends, the client leaving cancels the call upstream. */
  function relayAnswers(
    call: RelayedCall,
    answer: UpstreamResponse,
    cancelUpstream: () => void,
  ): UpstreamResponse {
    const { request, message, method, session, upstreamId } = call
    let done = false
    const cancel = () => {
      if (!done) cancelUpstream()
    }
    request.signal.addEventListener('abort', cancel, { once: true })
    const mapped = mapMessages(answer, (upstream) => {
      if (typeof upstream.method === 'string' && upstream.id !== undefined) {
        // 2026-07-28 has no server requests on a request's stream (`basic/patterns/mrtr.mdx`), and
        // this request cannot carry a round (the client declared no input capability, or the method
        // takes none): say no rather than leave the server waiting.
        tell(
          request,
          session,
          errorResponse(
            upstream.id,
            -32601,
            'The bridge does not relay server requests to this client.',
          ),
        )
        return undefined
      }
      return upstream.id === upstreamId || upstream.id === undefined || upstream.id === null
        ? modernMessage(upstream, method, message.id)
        : undefined
    })
    mapped.body.once('end', () => {
      done = true
      request.signal.removeEventListener('abort', cancel)
    })
    return mapped
  }

  async function relay(
    request: UpstreamRequest,
    message: Message,
    method: string,
    session: UpstreamSession,
    reopen: () => Promise<UpstreamResponse>,
  ): Promise<UpstreamResponse> {
    const upstreamId = session.nextId++
    const call: RelayedCall = { request, message, method, session, upstreamId }
    const own = ownCall(method, session)
    const answer = await sendCall(call, own)
    if (answer.statusCode === 404) {
      // The upstream forgot the session (restarted, expired): a modern client knows of none, so open another.
      answer.body.resume()
      sessions.forget(session)
      return reopen()
    }
    if (answer.statusCode === 401 || answer.statusCode === 403) return answer
    // On HTTP a 2026-07-28 client cancels by closing its stream; a 2025 server wants to be told
    // (2025-11-25 `basic/utilities/cancellation.mdx`).
    const cancelUpstream = () =>
      tell(request, session, {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: upstreamId, reason: 'The client closed the request.' },
      })
    if (own && answer.statusCode === 200 && isEventStream(answer)) {
      let cancelled = false
      const cancel = () => {
        if (cancelled) return
        cancelled = true
        cancelUpstream()
        own.abort()
        answer.body.destroy()
      }
      return rounds.start({ request, session, message, method, upstreamId, answer, cancel })
    }
    return relayAnswers(call, answer, cancelUpstream)
  }

  const send: UpstreamSender = async (request) => {
    const message = request.method === 'POST' ? parseMessage(request.body) : undefined
    if (!message)
      return bridgeAnswer(
        400,
        errorResponse(
          null,
          INVALID_REQUEST,
          'Bad Request: a 2026-07-28 request is one JSON-RPC message per POST.',
        ),
      )
    // Notifications of this revision have no 2025 counterpart the upstream needs (cancel is a closed stream).
    if (message.id === undefined || typeof message.method !== 'string') return emptyAnswer(202)
    const method = message.method
    const meta = metaOf(message) ?? {}
    const version = meta[PROTOCOL_VERSION_META]
    // The only modern version the bridge translates (`basic/versioning.mdx` §Protocol Version Negotiation).
    if (version !== MODERN) return unsupportedVersion(message.id, version)
    const clientInfo = isRecord(meta[CLIENT_INFO_META])
      ? (meta[CLIENT_INFO_META] as Implementation)
      : undefined
    const requestState = paramsOf(message)?.requestState
    if (typeof requestState === 'string') {
      // A 2025 upstream gives no requestState: this one is the bridge's, for a call it holds open.
      const opening = await sessions.sessionFor(request, clientInfo, meta[CLIENT_CAPABILITIES_META])
      if (opening.kind === 'refused') return refusal(opening.response, message.id)
      return rounds.resume(request, message, opening.session, requestState)
    }
    const attempt = async (again: boolean): Promise<UpstreamResponse> => {
      const opening = await sessions.sessionFor(request, clientInfo, meta[CLIENT_CAPABILITIES_META])
      if (opening.kind === 'refused') return refusal(opening.response, message.id)
      if (method === 'server/discover')
        return jsonAnswer(200, {
          jsonrpc: '2.0',
          id: message.id,
          result: discoverResult(opening.session.initialized),
        })
      if (method === 'subscriptions/listen')
        return listens.listen(request, message, opening.session)
      return relay(request, message, method, opening.session, () =>
        again ? attempt(false) : Promise.resolve(forgetfulUpstream(message.id)),
      )
    }
    return attempt(true)
  }

  return {
    send,
    close: () => {
      rounds.close()
      sessions.clear()
    },
  }
}

function onSession(
  request: UpstreamRequest,
  session: UpstreamSession,
  message: object,
): UpstreamRequest {
  const clientHeaders = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    'mcp-protocol-version': session.protocolVersion,
    ...(session.id ? { 'mcp-session-id': session.id } : {}),
  }
  return { ...request, method: 'POST', clientHeaders, body: Buffer.from(JSON.stringify(message)) }
}

/**
 * The params without the `io.modelcontextprotocol/*` keys: they are reserved, and a 2025 server
 * may read its own meaning into them or refuse them. Other keys (`progressToken`) stay.
 */
function legacyParams(message: Message): { params?: Record<string, unknown> } {
  const params = paramsOf(message)
  if (!params) return {}
  // inputResponses and requestState belong to 2026-07-28 rounds, which the bridge plays itself.
  const { _meta: meta, inputResponses: _answers, requestState: _state, ...rest } = params
  const kept = isRecord(meta)
    ? Object.fromEntries(
        Object.entries(meta).filter(([key]) => !key.startsWith(RESERVED_META_PREFIX)),
      )
    : {}
  return { params: Object.keys(kept).length > 0 ? { ...rest, _meta: kept } : rest }
}

/** A refused initialize, told under the client's id with the upstream's status (a 400 may mean a changed era). */
async function refusal(response: UpstreamResponse, id: Message['id']): Promise<UpstreamResponse> {
  if (response.statusCode === 401 || response.statusCode === 403) return response
  const [said] = await readMessages(response).catch(() => [])
  const error = isRecord(said?.error)
    ? said.error
    : {
        code: -32000,
        message: `The upstream server refused initialize (HTTP ${response.statusCode}).`,
      }
  return jsonAnswer(response.statusCode >= 400 ? response.statusCode : 502, {
    jsonrpc: '2.0',
    id: id ?? null,
    error,
  })
}

/** A request of a revision other than the one the bridge translates. */
function unsupportedVersion(id: JsonRpcId, version: unknown): UpstreamResponse {
  return bridgeAnswer(
    400,
    errorResponse(id, -32022, `Unsupported protocol version: ${String(version)}`, {
      supported: [MODERN],
      requested: typeof version === 'string' ? version : String(version),
    }),
  )
}

/** The upstream forgot the session the bridge opened anew for this call as well. */
function forgetfulUpstream(id: Message['id']): UpstreamResponse {
  return jsonAnswer(
    502,
    errorResponse(id ?? null, -32000, 'The upstream server keeps forgetting its session.'),
  )
}
