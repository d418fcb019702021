// The 2025 sessions the bridge keeps with a 2025-only upstream for its 2026-07-28 clients, which
// have none: one per clientInfo and capabilities the client declares in `_meta` (what `initialize`
// would have declared, 2025-11-25 `basic/lifecycle.mdx` §Initialization), opened on first use and
// opened again when the upstream forgets it (404, 2025-11-25 `basic/transports/streamable-http.mdx`
// §Session Management). The key is who the bridge knows the caller is (a client it issued a token
// to; every holder of the bridge's own token is the one owner) and what the client says of itself:
// two clients of one caller declaring the same name, version and capabilities share a session, two
// callers never do, so neither sees the other's mid-call requests. A session pushed out by newer ones is
// ended upstream with DELETE (§Session Management), so the server does not keep it for nobody.
import type { UpstreamRequest, UpstreamResponse, UpstreamSender } from '../forward.js'
import { sendUpstream } from '../forward.js'
import { onOwnSignal } from '../upstream.js'
import { VERSION } from '../../version.js'
import { readMessages } from './message-stream.js'
import { BRIDGE_ERROR, errorResponse } from '../jsonrpc.js'
import { LEGACY, LEGACY_VERSIONS, isRecord, jsonAnswer, type Implementation } from './wire.js'

export interface UpstreamSession {
  id: string | undefined
  protocolVersion: string
  /** The client capabilities declared at initialize: what the upstream may ask for mid-call. */
  declared: Record<string, unknown>
  /** The upstream's InitializeResult: what server/discover is answered from. */
  initialized: Record<string, unknown>
  /** Ids the bridge minted on this session; several clients may share it and reuse their own ids. */
  nextId: number
}

export type Opening =
  { kind: 'open'; session: UpstreamSession } | { kind: 'refused'; response: UpstreamResponse }

const MAX_SESSIONS = 256

export class UpstreamSessions {
  readonly #send: UpstreamSender

  readonly #maxSessions: number

  constructor(send: UpstreamSender = sendUpstream, maxSessions = MAX_SESSIONS) {
    this.#send = send
    this.#maxSessions = maxSessions
  }

  readonly #openings = new Map<string, Promise<Opening>>()
  /** Which key each open session was opened for, so forgetting one needs no waiting. */
  readonly #keys = new WeakMap<UpstreamSession, string>()
  readonly #current = new Map<string, UpstreamSession>()

  /** The session for this client, opened now if there is none (concurrent callers share one opening). */
  sessionFor(
    request: UpstreamRequest,
    clientInfo: Implementation | undefined,
    capabilities: unknown,
  ): Promise<Opening> {
    // All of them, elicitation, sampling and roots included: the bridge turns the upstream's
    // requests for them into the client's input_required rounds (to-legacy-rounds.ts).
    const declared = isRecord(capabilities) ? capabilities : {}
    const key = JSON.stringify([request.caller, clientInfo?.name, clientInfo?.version, declared])
    let opening = this.#openings.get(key)
    if (!opening) {
      opening = initialize(this.#send, request, clientInfo, declared).then(
        (result) => {
          if (result.kind === 'open') {
            this.#keys.set(result.session, key)
            this.#current.set(key, result.session)
          } else if (this.#openings.get(key) === opening) {
            // A refusal is not kept: the next request tries again.
            this.#openings.delete(key)
          }
          return result
        },
        (error: unknown) => {
          if (this.#openings.get(key) === opening) this.#openings.delete(key)
          throw error
        },
      )
      this.#openings.set(key, opening)
      if (this.#openings.size > this.#maxSessions) {
        const oldest = this.#openings.keys().next().value as string
        const evicted = this.#openings.get(oldest)
        this.#openings.delete(oldest)
        this.#current.delete(oldest)
        void evicted
          ?.then((result) =>
            result.kind === 'open' ? endSession(this.#send, request, result.session) : undefined,
          )
          .catch(() => undefined)
      }
    }
    return opening
  }

  /** The upstream no longer knows this session: the next request opens a new one. */
  forget(session: UpstreamSession): void {
    const key = this.#keys.get(session)
    if (key === undefined || this.#current.get(key) !== session) return
    this.#current.delete(key)
    this.#openings.delete(key)
  }

  clear(): void {
    this.#openings.clear()
    this.#current.clear()
  }
}

async function initialize(
  sendUpstream: UpstreamSender,
  request: UpstreamRequest,
  clientInfo: Implementation | undefined,
  capabilities: Record<string, unknown>,
): Promise<Opening> {
  const headers = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  }
  const params = {
    protocolVersion: LEGACY,
    capabilities,
    clientInfo: clientInfo ?? { name: 'mcp-oauth-bridge', version: VERSION },
  }
  const body = Buffer.from(
    JSON.stringify({ jsonrpc: '2.0', id: 'bridge-initialize', method: 'initialize', params }),
  )
  const answer = await sendUpstream({ ...request, method: 'POST', clientHeaders: headers, body })
  if (answer.statusCode !== 200) return { kind: 'refused', response: answer }
  const id = answer.headers['mcp-session-id']
  const result = (await readMessages(answer)).find(
    (message) => message.id === 'bridge-initialize',
  )?.result
  if (!isRecord(result))
    return {
      kind: 'refused',
      response: jsonAnswer(
        502,
        errorResponse(null, BRIDGE_ERROR, 'The upstream server gave no result for initialize.'),
      ),
    }
  const version =
    typeof result.protocolVersion === 'string' && LEGACY_VERSIONS.includes(result.protocolVersion)
      ? result.protocolVersion
      : LEGACY
  const session: UpstreamSession = {
    id: typeof id === 'string' ? id : undefined,
    protocolVersion: version,
    declared: capabilities,
    initialized: result,
    nextId: 1,
  }
  const initialized = await sendUpstream({
    ...request,
    method: 'POST',
    clientHeaders: {
      ...headers,
      'mcp-protocol-version': version,
      ...(session.id ? { 'mcp-session-id': session.id } : {}),
    },
    body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })),
  })
  initialized.body.resume()
  return { kind: 'open', session }
}

/** Ends a session upstream (2025-11-25 streamable-http.mdx §Session Management: DELETE with its id). */
async function endSession(
  sendUpstream: UpstreamSender,
  request: UpstreamRequest,
  session: UpstreamSession,
): Promise<void> {
  if (!session.id) return
  const headers = { 'mcp-protocol-version': session.protocolVersion, 'mcp-session-id': session.id }
  // On a signal of its own: the client whose request pushed the session out may leave meanwhile.
  const ended = await sendUpstream({
    ...onOwnSignal(request, new AbortController().signal),
    method: 'DELETE',
    clientHeaders: headers,
    body: undefined,
  })
  ended.body.resume()
}
