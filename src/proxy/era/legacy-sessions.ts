// Sessions the bridge holds for 2025 clients of a 2026-07-28 upstream, which has none: the id is
// minted here at initialize (`basic/transports/streamable-http.mdx` of 2025-11-25 §Session
// Management), and the session keeps what the client said there, since every modern request
// must say it again (`basic/index.mdx` §`_meta`).
import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { ClientFacts } from './modern-call.js'
import type { Message } from './wire.js'

export interface LegacyClientSession extends ClientFacts {
  readonly id: string
  /** Who opened it (UpstreamRequest.caller): nobody else may use it, even knowing its id. */
  readonly caller: string | undefined
  protocolVersion: string
  /** From the upstream's server/discover: which listen notifications the GET stream can carry. */
  serverCapabilities: Record<string, unknown>
  /** Upstream answers in flight by JSON-RPC id, so notifications/cancelled can close them. */
  inflight: Map<string, AbortController>
  /** The client's GET streams, ended with the session. */
  streams: Set<Readable>
  /** Elicitation, sampling and roots as the client declared them: what input rounds may ask it. */
  inputCapabilities: Record<string, unknown>
  /** Requests the bridge sent the client during an input round, by id, waiting for its response. */
  awaiting: Map<string, (response: Message) => void>
  /** The resource URIs the client subscribed to (resources/subscribe), for its GET stream's listen. */
  resourceSubscriptions: Set<string>
  /** The session's GET streams, told when the subscriptions change (legacy-listen.ts). */
  listens: Set<{ refresh(): Promise<void> }>
}

/** Enough for many clients; the longest-unused session goes first. */
const MAX_SESSIONS = 1024

export class LegacyClientSessions {
  readonly #sessions = new Map<string, LegacyClientSession>()

  open(
    caller: string | undefined,
    facts: ClientFacts,
    protocolVersion: string,
    serverCapabilities: Record<string, unknown>,
    inputCapabilities: Record<string, unknown> = {},
  ): LegacyClientSession {
    const session: LegacyClientSession = {
      id: randomBytes(24).toString('base64url'),
      caller,
      ...facts,
      protocolVersion,
      serverCapabilities,
      inflight: new Map(),
      streams: new Set(),
      inputCapabilities,
      awaiting: new Map(),
      resourceSubscriptions: new Set(),
      listens: new Set(),
    }
    this.#sessions.set(session.id, session)
    if (this.#sessions.size > MAX_SESSIONS) {
      const oldest = this.#sessions.values().next().value
      if (oldest) this.end(oldest.id)
    }
    return session
  }

  /** The caller's session, now the most recently used one; another caller's is not found. */
  get(id: string, caller: string | undefined): LegacyClientSession | undefined {
    const session = this.#sessions.get(id)
    if (!session || session.caller !== caller) return undefined
    this.#sessions.delete(id)
    this.#sessions.set(id, session)
    return session
  }

  /** A session the client had with the upstream before it changed era: kept, with no facts known. */
  adopt(id: string, caller: string | undefined, protocolVersion: string): LegacyClientSession {
    const session = this.open(
      caller,
      { clientInfo: undefined, capabilities: {} },
      protocolVersion,
      {},
    )
    this.#sessions.delete(session.id)
    const adopted = { ...session, id }
    this.#sessions.set(id, adopted)
    return adopted
  }

  end(id: string): boolean {
    const session = this.#sessions.get(id)
    if (!session) return false
    this.#sessions.delete(id)
    for (const controller of session.inflight.values()) controller.abort()
    for (const stream of session.streams) stream.destroy()
    return true
  }

  endAll(): void {
    for (const id of [...this.#sessions.keys()]) this.end(id)
  }
}
