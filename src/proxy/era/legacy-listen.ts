// A 2025 client's GET stream, served from a 2026-07-28 `subscriptions/listen`
// (`basic/patterns/subscriptions.mdx`): the bridge asks for every list-change notification the
// upstream advertises, drops the acknowledgement and the listen's own result, and passes the
// notifications without their subscriptionId. An upstream that advertises none gets 405, which a
// 2025 server answers when it offers no stream (2025-11-25 streamable-http.mdx §Listening for
// Messages from the Server).
import type { UpstreamRequest, UpstreamResponse, UpstreamSender } from '../forward.js'
import { sendUpstream as sendShared } from '../forward.js'
import type { LegacyClientSession } from './legacy-sessions.js'
import { isEventStream, mapMessages } from './message-stream.js'
import { legacyMessage, modernRequest } from './modern-call.js'
import { emptyAnswer, isRecord } from './wire.js'

const LISTEN_ID = 'bridge-listen'
const ACKNOWLEDGED = 'notifications/subscriptions/acknowledged'

/** The listen filter for what the upstream's capabilities say it can notify about. */
function notificationsFor(capabilities: Record<string, unknown>): Record<string, boolean> {
  const wanted: Record<string, boolean> = {}
  const changes = (kind: string) =>
    isRecord(capabilities[kind]) && capabilities[kind].listChanged === true
  if (changes('tools')) wanted.toolsListChanged = true
  if (changes('prompts')) wanted.promptsListChanged = true
  if (changes('resources')) wanted.resourcesListChanged = true
  return wanted
}

export async function openListenForLegacyClient(
  request: UpstreamRequest,
  session: LegacyClientSession,
  sendUpstream: UpstreamSender = sendShared,
): Promise<UpstreamResponse> {
  const notifications = notificationsFor(session.serverCapabilities)
  if (Object.keys(notifications).length === 0)
    return { ...emptyAnswer(405), headers: { allow: 'POST, DELETE' } }
  const listen = {
    jsonrpc: '2.0',
    id: LISTEN_ID,
    method: 'subscriptions/listen',
    params: { notifications },
  }
  // A listen is a long-lived POST: no limit on its silence, as for a 2025 GET stream.
  const upstream = await sendUpstream({
    ...modernRequest({ ...request, method: 'POST' }, listen, session),
    timeoutMs: 0,
  })
  if (upstream.statusCode !== 200 || !isEventStream(upstream)) {
    upstream.body.resume()
    return { ...emptyAnswer(405), headers: { allow: 'POST, DELETE' } }
  }
  const stream = mapMessages(upstream, (message) => {
    if (message.method === ACKNOWLEDGED || message.id === LISTEN_ID) return undefined
    return legacyMessage(message, 'subscriptions/listen')
  })
  session.streams.add(stream.body)
  stream.body.once('close', () => session.streams.delete(stream.body))
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    body: stream.body,
  }
}
