// A 2026-07-28 client's `subscriptions/listen` (`basic/patterns/subscriptions.mdx`), served from a
// 2025 upstream's GET stream (2025-11-25 `basic/transports/streamable-http.mdx` §Listening for
// Messages from the Server). The upstream allows one GET per session, and modern clients of the
// same identity share a session (upstream-sessions.ts), so every listen on a session shares one
// GET: opened with the first listen, closed when the last one ends. Each listen gets the
// acknowledgement first, then only the list changes it asked for and the upstream advertises,
// stamped with its subscriptionId. With nothing to honour, or an upstream without a GET stream
// (405), the listen is acknowledged with an empty set and ended at once, as a 2026-07-28 server
// without those notifications does. `resourceSubscriptions` become `resources/subscribe` on the
// session (2025-11-25 `server/resources.mdx` §Subscriptions), counted per URI over the session's
// listens, and `resources/unsubscribe` when the last listen that wanted a URI ends; each
// `notifications/resources/updated` goes only to the listens that named its URI.
import { PassThrough } from 'node:stream'
import type { UpstreamRequest, UpstreamResponse, UpstreamSender } from '../forward.js'
import { onOwnSignal } from '../upstream.js'
import { errorResponse } from '../jsonrpc.js'
import { eachMessage, isEventStream, sseEvent } from './message-stream.js'
import type { UpstreamSession } from './upstream-sessions.js'
import type { TellSession } from './to-legacy-rounds.js'
import { SUBSCRIPTION_ID_META, isRecord, jsonAnswer, paramsOf, type Message } from './wire.js'

const ACKNOWLEDGED = 'notifications/subscriptions/acknowledged'

/** Each 2025 list change, by the listen filter key that asks for it (`basic/patterns/subscriptions.mdx`). */
const FILTER_KEY_OF: Record<string, { key: string; capability: string }> = {
  'notifications/tools/list_changed': { key: 'toolsListChanged', capability: 'tools' },
  'notifications/prompts/list_changed': { key: 'promptsListChanged', capability: 'prompts' },
  'notifications/resources/list_changed': { key: 'resourcesListChanged', capability: 'resources' },
}

const RESOURCE_UPDATED = 'notifications/resources/updated'

interface Listener {
  id: Message['id']
  honoured: Honoured
  out: PassThrough
}

/** The filter a listen got: list-change keys, and the resource URIs subscribed for it. */
interface Honoured {
  [key: string]: boolean | string[] | undefined
  resourceSubscriptions?: string[]
}

interface SharedGet {
  listeners: Set<Listener>
  controller: AbortController
  /** Resolves when the GET is open (true) or refused (false). */
  opened: Promise<boolean>
}

/** Sends a request on the session and tells whether the upstream answered it with a result. */
export type AskSession = (
  request: UpstreamRequest,
  session: UpstreamSession,
  method: string,
  params: Record<string, unknown>,
) => Promise<boolean>

/** A URI subscribed on a session: how many listens want it, and whether the upstream agreed. */
interface Subscribed {
  listens: number
  agreed: Promise<boolean>
}

export function createListens(sendUpstream: UpstreamSender, post: TellSession, ask: AskSession) {
  const shared = new WeakMap<UpstreamSession, SharedGet>()
  const subscriptions = new WeakMap<UpstreamSession, Map<string, Subscribed>>()

  /** The URIs the upstream agreed to notify about, each counted once more for this listen. */
  const subscribe = async (
    request: UpstreamRequest,
    session: UpstreamSession,
    uris: string[],
  ): Promise<string[]> => {
    let known = subscriptions.get(session)
    if (!known) subscriptions.set(session, (known = new Map()))
    const table = known
    const agreed = await Promise.all(
      uris.map((uri) => {
        let entry = table.get(uri)
        if (!entry) {
          entry = { listens: 0, agreed: ask(request, session, 'resources/subscribe', { uri }) }
          entry.agreed = entry.agreed.catch(() => false)
          table.set(uri, entry)
        }
        entry.listens += 1
        return entry.agreed
      }),
    )
    const kept = uris.filter((_, index) => agreed[index])
    // A refused URI is not kept counted: the next listen asks again.
    for (const uri of uris.filter((_, index) => !agreed[index])) release(request, session, uri)
    return kept
  }

  const release = (request: UpstreamRequest, session: UpstreamSession, uri: string) => {
    const table = subscriptions.get(session)
    const entry = table?.get(uri)
    if (!table || !entry) return
    entry.listens -= 1
    if (entry.listens > 0) return
    table.delete(uri)
    void entry.agreed.then((agreed) =>
      agreed
        ? ask(request, session, 'resources/unsubscribe', { uri }).catch(() => false)
        : undefined,
    )
  }

  const openGet = (request: UpstreamRequest, session: UpstreamSession): SharedGet => {
    const controller = new AbortController()
    const get: SharedGet = { listeners: new Set(), controller, opened: Promise.resolve(false) }
    const headers = {
      accept: 'text/event-stream',
      'mcp-protocol-version': session.protocolVersion,
      ...(session.id ? { 'mcp-session-id': session.id } : {}),
    }
    // A GET stream is silent for long stretches: no limit on its silence (as the relay of a 2025 GET).
    const answer = sendUpstream({
      ...onOwnSignal(request, controller.signal),
      method: 'GET',
      clientHeaders: headers,
      body: undefined,
      timeoutMs: 0,
    })
    get.opened = answer.then(
      (response) => {
        if (response.statusCode !== 200 || !isEventStream(response)) {
          response.body.resume()
          return false
        }
        void fanOut(request, session, get, response)
        return true
      },
      () => false,
    )
    return get
  }

  const fanOut = async (
    request: UpstreamRequest,
    session: UpstreamSession,
    get: SharedGet,
    response: UpstreamResponse,
  ) => {
    try {
      for await (const message of eachMessage(response)) {
        if (typeof message.method !== 'string') continue
        if (message.id !== undefined && message.id !== null) {
          // Requests on the GET stream have no request of the client's to ride on: ping is
          // answered here, anything else refused so that the upstream does not wait.
          post(
            request,
            session,
            message.method === 'ping'
              ? { jsonrpc: '2.0', id: message.id, result: {} }
              : errorResponse(
                  message.id,
                  -32601,
                  `The bridge does not relay ${message.method} from a 2025 server's stream to a 2026-07-28 client.`,
                ),
          )
          continue
        }
        if (message.method === RESOURCE_UPDATED) {
          const uri = paramsOf(message)?.uri
          for (const listener of get.listeners)
            if (typeof uri === 'string' && listener.honoured.resourceSubscriptions?.includes(uri))
              listener.out.write(sseEvent(stamped(message, listener.id)))
          continue
        }
        const kind = FILTER_KEY_OF[message.method]
        if (!kind) continue
        for (const listener of get.listeners)
          if (listener.honoured[kind.key])
            listener.out.write(sseEvent(stamped(message, listener.id)))
      }
    } catch {
      // The stream broke off or was closed below: the listens end the same way.
    }
    if (shared.get(session) === get) shared.delete(session)
    for (const listener of get.listeners) endListen(listener)
    get.listeners.clear()
  }

  return {
    /** The answer to a listen: acknowledgement, then the chosen list changes, until either side ends it. */
    async listen(
      request: UpstreamRequest,
      message: Message,
      session: UpstreamSession,
    ): Promise<UpstreamResponse> {
      const out = new PassThrough()
      const answer: UpstreamResponse = {
        statusCode: 200,
        headers: {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          'x-accel-buffering': 'no',
        },
        body: out,
      }
      const wanted = paramsOf(message)?.notifications
      if (!isRecord(wanted))
        return jsonAnswer(
          200,
          errorResponse(
            message.id ?? null,
            -32602,
            "Invalid params: 'notifications' is required and must be a subscription filter.",
          ),
        )
      const { honoured, uris } = honouredBy(session, wanted)
      const listener: Listener = { id: message.id, honoured, out }
      let get = shared.get(session)
      const open = Object.keys(listener.honoured).length > 0 || uris.length > 0
      if (open && !get) shared.set(session, (get = openGet(request, session)))
      const running = open && get ? await get.opened : false
      // A refused GET is not kept: the next listen asks again.
      if (!running && get && shared.get(session) === get) shared.delete(session)
      // Subscribed only with a stream open to carry the updates.
      const subscribed = running && uris.length > 0 ? await subscribe(request, session, uris) : []
      if (subscribed.length > 0) listener.honoured.resourceSubscriptions = subscribed
      /** The last listen gone: the GET closes, so the upstream keeps no stream nobody reads. */
      const closeIfUnused = () => {
        if (!get || get.listeners.size > 0) return
        if (shared.get(session) === get) shared.delete(session)
        get.controller.abort()
      }
      // Nothing honoured (every URI refused), or the client left while the bridge subscribed.
      const gone = out.destroyed || request.signal.aborted
      if (!running || !get || Object.keys(listener.honoured).length === 0 || gone) {
        for (const uri of subscribed) release(request, session, uri)
        closeIfUnused()
        if (out.destroyed) return answer
        out.write(sseEvent(acknowledgement(listener.id, {})))
        endListen(listener)
        return answer
      }
      out.write(sseEvent(acknowledgement(listener.id, listener.honoured)))
      get.listeners.add(listener)
      const leave = () => {
        if (!get.listeners.delete(listener)) return
        for (const uri of subscribed) release(request, session, uri)
        closeIfUnused()
      }
      request.signal.addEventListener('abort', leave, { once: true })
      out.once('close', leave)
      return answer
    },
  }
}

/**
 * The filter keys the client asked for that the upstream's capabilities say it sends, and the
 * resource URIs to subscribe to when it offers subscriptions. The session is the caller's own
 * (upstream-sessions.ts), so its subscriptions serve nobody else.
 */
function honouredBy(
  session: UpstreamSession,
  wanted: Record<string, unknown>,
): { honoured: Honoured; uris: string[] } {
  const capabilities = isRecord(session.initialized.capabilities)
    ? session.initialized.capabilities
    : {}
  const honoured: Honoured = {}
  for (const { key, capability } of Object.values(FILTER_KEY_OF)) {
    const offered = capabilities[capability]
    if (wanted[key] === true && isRecord(offered) && offered.listChanged === true)
      honoured[key] = true
  }
  const resources = capabilities.resources
  const asked = Array.isArray(wanted.resourceSubscriptions) ? wanted.resourceSubscriptions : []
  const uris =
    isRecord(resources) && resources.subscribe === true
      ? [...new Set(asked.filter((uri): uri is string => typeof uri === 'string'))]
      : []
  return { honoured, uris }
}

function acknowledgement(id: Message['id'], notifications: Honoured): Message {
  return {
    jsonrpc: '2.0',
    method: ACKNOWLEDGED,
    params: { notifications, _meta: { [SUBSCRIPTION_ID_META]: id } },
  }
}

function stamped(message: Message, id: Message['id']): Message {
  const params = paramsOf(message) ?? {}
  return {
    jsonrpc: '2.0',
    method: message.method,
    params: {
      ...params,
      _meta: { ...(isRecord(params._meta) ? params._meta : {}), [SUBSCRIPTION_ID_META]: id },
    },
  }
}

/** The listen result a server sends when it ends a subscription (subscriptions.mdx; the SDK v2 server does the same). */
function endListen(listener: Listener): void {
  if (listener.out.writableEnded) return
  listener.out.end(
    sseEvent({
      jsonrpc: '2.0',
      id: listener.id,
      result: { resultType: 'complete', _meta: { [SUBSCRIPTION_ID_META]: listener.id } },
    }),
  )
}
