// A 2025 client's GET stream, served from 2026-07-28 `subscriptions/listen` requests
// (`basic/patterns/subscriptions.mdx`): the bridge asks for every list-change notification the
// upstream advertises and for the resources the client subscribed to (2025-11-25
// `server/resources.mdx` §Subscriptions), drops the acknowledgement and the listen's own result,
// and passes the notifications without their subscriptionId. A listen's filter is fixed when it
// starts, so a subscription that changes opens a new listen and ends the old one once the new one
// is open (an update arriving in between may come twice, never not at all). An upstream that can
// notify about nothing gets 405, which a 2025 server answers when it offers no stream (2025-11-25
// streamable-http.mdx §Listening for Messages from the Server).
import { PassThrough } from 'node:stream'
import type { UpstreamRequest, UpstreamResponse, UpstreamSender } from '../forward.js'
import { sendUpstream as sendShared } from '../forward.js'
import { withFreshToken } from '../upstream.js'
import type { LegacyClientSession } from './legacy-sessions.js'
import { isEventStream, mapMessages } from './message-stream.js'
import { legacyMessage, modernRequest } from './modern-call.js'
import { emptyAnswer, isRecord } from './wire.js'

const LISTEN_ID = 'bridge-listen'
const ACKNOWLEDGED = 'notifications/subscriptions/acknowledged'

/** Whether the upstream's capabilities offer resource subscriptions. */
export function offersSubscriptions(capabilities: Record<string, unknown>): boolean {
  return isRecord(capabilities.resources) && capabilities.resources.subscribe === true
}

/** The listen filter for what the upstream can notify about and the client subscribed to. */
function filterFor(session: LegacyClientSession): Record<string, unknown> {
  const capabilities = session.serverCapabilities
  const wanted: Record<string, unknown> = {}
  const changes = (kind: string) =>
    isRecord(capabilities[kind]) && capabilities[kind].listChanged === true
  if (changes('tools')) wanted.toolsListChanged = true
  if (changes('prompts')) wanted.promptsListChanged = true
  if (changes('resources')) wanted.resourcesListChanged = true
  if (offersSubscriptions(capabilities) && session.resourceSubscriptions.size > 0)
    wanted.resourceSubscriptions = [...session.resourceSubscriptions]
  return wanted
}

/** One upstream listen with this filter; undefined when refused or when the filter is empty. */
async function listenUpstream(
  request: UpstreamRequest,
  session: LegacyClientSession,
  notifications: Record<string, unknown>,
  sendUpstream: UpstreamSender,
): Promise<UpstreamResponse | undefined> {
  if (Object.keys(notifications).length === 0) return undefined
  const listen = {
    jsonrpc: '2.0',
    id: LISTEN_ID,
    method: 'subscriptions/listen',
    params: { notifications },
  }
  // A listen is a long-lived POST: no limit on its silence, as for a 2025 GET stream. A later
  // one (a subscription changed) may come long after the GET: it takes the token as it is then.
  const upstream = await sendUpstream({
    ...modernRequest({ ...(await withFreshToken(request)), method: 'POST' }, listen, session),
    timeoutMs: 0,
  })
  if (upstream.statusCode !== 200 || !isEventStream(upstream)) {
    upstream.body.resume()
    return undefined
  }
  return mapMessages(upstream, (message) => {
    if (message.method === ACKNOWLEDGED || message.id === LISTEN_ID) return undefined
    return legacyMessage(message, 'subscriptions/listen')
  })
}

export async function openListenForLegacyClient(
  request: UpstreamRequest,
  session: LegacyClientSession,
  sendUpstream: UpstreamSender = sendShared,
): Promise<UpstreamResponse> {
  const out = new PassThrough()
  let current: UpstreamResponse | undefined
  /** The filter `current` was opened with. */
  let served: string | undefined
  const attach = (listen: UpstreamResponse | undefined) => {
    const previous = current
    current = listen
    listen?.body.on('data', (chunk: Buffer) => out.write(chunk))
    // The upstream ended the listen itself: the GET ends too, and the client opens another.
    listen?.body.once('end', () => {
      if (current === listen) out.end()
    })
    previous?.body.destroy()
  }
  let refreshing = Promise.resolve()
  const listener = {
    // Serialized, and registered before the first listen is open: a subscription that changes
    // meanwhile opens the listen again once the first is there, so none is missed.
    refresh: () =>
      (refreshing = refreshing.then(async () => {
        const notifications = filterFor(session)
        const key = JSON.stringify(notifications)
        if (out.destroyed || key === served) return
        const next = await listenUpstream(request, session, notifications, sendUpstream).catch(
          () => undefined,
        )
        // The client left while the listen was being opened: it is ended at once, not kept.
        if (out.destroyed) return void next?.body.destroy()
        // A refused new listen keeps the old one, unless nothing is left to listen to.
        if (!next && Object.keys(notifications).length > 0) return
        served = key
        attach(next)
      })),
  }
  const end = () => {
    session.listens.delete(listener)
    session.streams.delete(out)
    current?.body.destroy()
  }
  session.listens.add(listener)
  await listener.refresh()
  // Nothing to listen to, and no subscription can change that: as a 2025 server without a stream.
  if (!current && !offersSubscriptions(session.serverCapabilities)) {
    end()
    out.destroy()
    return { ...emptyAnswer(405), headers: { allow: 'POST, DELETE' } }
  }
  session.streams.add(out)
  out.once('close', end)
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    body: out,
  }
}
