// `initialize` from a 2025 client, answered by the bridge from the 2026-07-28 upstream's
// `server/discover` (`server/discover.mdx`): the same server facts, in the 2025 shape
// (2025-11-25 `basic/lifecycle.mdx` §Initialization), with a session minted here.
import type { UpstreamRequest, UpstreamResponse, UpstreamSender } from '../forward.js'
import { sendUpstream as sendShared } from '../forward.js'
import { BRIDGE_ERROR } from '../jsonrpc.js'
import { VERSION } from '../../version.js'
import { inputCapabilities } from './input-requests.js'
import type { LegacyClientSessions } from './legacy-sessions.js'
import { readMessages } from './message-stream.js'
import { modernRequest, relayableCapabilities, type ClientFacts } from './modern-call.js'
import {
  LEGACY,
  LEGACY_VERSIONS,
  SERVER_INFO_META,
  isRecord,
  jsonAnswer,
  paramsOf,
  type Implementation,
  type Message,
} from './wire.js'

const DISCOVER_ID = 'bridge-discover'

export async function discoverForLegacyClient(
  request: UpstreamRequest,
  initialize: Message,
  sessions: LegacyClientSessions,
  sendUpstream: UpstreamSender = sendShared,
): Promise<UpstreamResponse> {
  const params = paramsOf(initialize) ?? {}
  const facts: ClientFacts = {
    clientInfo: isRecord(params.clientInfo) ? (params.clientInfo as Implementation) : undefined,
    capabilities: relayableCapabilities(params.capabilities),
  }
  const upstream = await sendUpstream(
    modernRequest(
      request,
      { jsonrpc: '2.0', id: DISCOVER_ID, method: 'server/discover', params: {} },
      facts,
    ),
  )
  // A 401 or 403 goes back as it came: the bridge logs in again and repeats the initialize.
  if (upstream.statusCode === 401 || upstream.statusCode === 403) return upstream
  const answer = (await readMessages(upstream).catch(() => [])).find(
    (message) => message.id === DISCOVER_ID || message.id === null,
  )
  const result = answer?.result
  if (!isRecord(result)) {
    // The upstream's refusal, under the client's id and with the upstream's status: a 400 here
    // is what tells the bridge that the server changed era.
    const error = isRecord(answer?.error)
      ? answer.error
      : {
          code: BRIDGE_ERROR,
          message: `The upstream server did not answer server/discover (HTTP ${upstream.statusCode}).`,
        }
    return jsonAnswer(upstream.statusCode >= 400 ? upstream.statusCode : 200, {
      jsonrpc: '2.0',
      id: initialize.id,
      error,
    })
  }
  const requested = params.protocolVersion
  // The client's own version when the bridge can serve it, else the newest 2025 one (lifecycle.mdx §Version Negotiation).
  const protocolVersion =
    typeof requested === 'string' && LEGACY_VERSIONS.includes(requested) ? requested : LEGACY
  const capabilities = isRecord(result.capabilities) ? result.capabilities : {}
  const serverInfo =
    isRecord(result._meta) && isRecord(result._meta[SERVER_INFO_META])
      ? result._meta[SERVER_INFO_META]
      : { name: 'mcp-oauth-bridge', version: VERSION }
  const session = sessions.open(
    request.caller,
    facts,
    protocolVersion,
    capabilities,
    inputCapabilities(params.capabilities),
  )
  return jsonAnswer(
    200,
    {
      jsonrpc: '2.0',
      id: initialize.id,
      result: {
        protocolVersion,
        capabilities,
        serverInfo,
        ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
      },
    },
    { 'mcp-session-id': session.id },
  )
}
