// What the era translators keep per caller, against real SDK servers on loopback: sessions opened
// for one client the bridge knows are never handed to another (even one declaring the same name,
// or knowing the session id), and sends a translator makes on its own, long after the client's
// request came, carry the server's token as it is then, not as it was. A reloaded config.json
// that drops a server ends the sessions its translators held.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startElicitingLegacyServer,
  type ElicitingLegacyServer,
} from '../fixtures/eliciting-legacy-server.js'
import {
  MODERN_UPSTREAM_TOKEN,
  startModernMcpServer,
  type ModernMcpServer,
} from '../fixtures/modern-mcp-server.js'
import type { UpstreamRequest } from '../../src/proxy/upstream.js'
import { sendUpstream } from '../../src/proxy/forward.js'
import { upstreamRequest } from '../support/upstream-request.js'
import { UpstreamSessions } from '../../src/proxy/era/upstream-sessions.js'
import { createToModernSender } from '../../src/proxy/era/to-modern.js'
import { createEraSenders } from '../../src/proxy/era/era-senders.js'
import { createUpstreamSenders } from '../../src/proxy/upstream-senders.js'
import type { ServerEntry } from '../../src/config/schema.js'
import { eachMessage, readMessages } from '../../src/proxy/era/message-stream.js'

const LEGACY = '2025-11-25'

/** The upstream's token unless the test says otherwise. */
const request = (url: string, fields: Partial<UpstreamRequest> = {}): UpstreamRequest =>
  upstreamRequest(url, { token: MODERN_UPSTREAM_TOKEN, ...fields })

const post = (message: object, headers: Record<string, string> = {}) => ({
  clientHeaders: {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    ...headers,
  },
  body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message })),
})

describe('2025 upstream sessions of 2026-07-28 clients, per caller', () => {
  let upstream: ElicitingLegacyServer
  beforeAll(async () => {
    upstream = await startElicitingLegacyServer()
  })
  afterAll(async () => {
    await upstream?.close()
  })

  const sessionOf = async (sessions: UpstreamSessions, caller: string | undefined) => {
    const opening = await sessions.sessionFor(
      request(upstream.url, caller === undefined ? {} : { caller }),
      { name: 'same-client', version: '1.0.0' },
      { elicitation: {} },
    )
    if (opening.kind !== 'open')
      throw new Error(`initialize refused: HTTP ${opening.response.statusCode}`)
    return opening.session
  }

  it('opens one session per caller for clients that declare the same name and capabilities', async () => {
    const sessions = new UpstreamSessions(sendUpstream)
    const alice = await sessionOf(sessions, 'client-alice')
    const bob = await sessionOf(sessions, 'client-bob')
    const owner = await sessionOf(sessions, undefined)
    expect(new Set([alice.id, bob.id, owner.id]).size).toBe(3)
    // The same caller's clients still share one.
    expect((await sessionOf(sessions, 'client-alice')).id).toBe(alice.id)
    expect((await sessionOf(sessions, undefined)).id).toBe(owner.id)
  })
})

describe('bridge-held sessions of 2025 clients of a 2026-07-28 upstream, per caller', () => {
  let upstream: ModernMcpServer
  beforeAll(async () => {
    upstream = await startModernMcpServer({
      legacy: 'reject',
      tokens: [MODERN_UPSTREAM_TOKEN, 'token-2'],
    })
  })
  afterAll(async () => {
    await upstream?.close()
  })

  const initialize = async (
    sender: ReturnType<typeof createToModernSender>,
    caller: string,
    token = MODERN_UPSTREAM_TOKEN,
    freshToken?: () => Promise<string>,
  ) => {
    const answer = await sender.send(
      request(upstream.url, {
        caller,
        token,
        ...(freshToken ? { freshToken } : {}),
        ...post({
          id: 0,
          method: 'initialize',
          params: {
            protocolVersion: LEGACY,
            capabilities: { elicitation: {} },
            clientInfo: { name: 'same-client', version: '1.0.0' },
          },
        }),
      }),
    )
    expect(answer.statusCode).toBe(200)
    answer.body.resume()
    return String(answer.headers['mcp-session-id'])
  }

  it('answers another caller presenting a session id with 404, as for a session it never had', async () => {
    const sender = createToModernSender(sendUpstream)
    try {
      const sessionId = await initialize(sender, 'client-alice')
      const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY }
      const ping = { id: 1, method: 'tools/list', params: {} }
      const own = await sender.send(
        request(upstream.url, { caller: 'client-alice', ...post(ping, headers) }),
      )
      expect(own.statusCode).toBe(200)
      expect((await readMessages(own))[0]?.result).toBeDefined()
      const other = await sender.send(
        request(upstream.url, { caller: 'client-bob', ...post(ping, headers) }),
      )
      expect(other.statusCode).toBe(404)
      other.body.resume()
      const deleted = await sender.send(
        request(upstream.url, { caller: 'client-bob', method: 'DELETE', clientHeaders: headers }),
      )
      expect(deleted.statusCode).toBe(404)
      // Alice's session is still there.
      const again = await sender.send(
        request(upstream.url, { caller: 'client-alice', ...post({ ...ping, id: 2 }, headers) }),
      )
      expect(again.statusCode).toBe(200)
      again.body.resume()
    } finally {
      sender.close()
    }
  })

  it('ends the translators of a server a reloaded configuration no longer has', async () => {
    const senders = createEraSenders(createUpstreamSenders(), { saveEra: async () => undefined })
    const entry = { url: upstream.url, auth: 'none', era: '2026-07-28' } as ServerEntry
    try {
      const sender = {
        send: senders.senderFor('modern', entry),
        close: () => undefined,
        adopt: () => undefined,
      }
      const sessionId = await initialize(sender, 'client-alice')
      const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY }
      const list = (id: number) =>
        sender.send(
          request(upstream.url, {
            caller: 'client-alice',
            ...post({ id, method: 'tools/list', params: {} }, headers),
          }),
        )
      const kept = await list(1)
      expect(kept.statusCode).toBe(200)
      kept.body.resume()
      senders.retain({ modern: entry })
      const stillKept = await list(2)
      expect(stillKept.statusCode).toBe(200)
      stillKept.body.resume()
      senders.retain({})
      const ended = await list(3)
      expect(ended.statusCode).toBe(404)
      ended.body.resume()
    } finally {
      await senders.close()
    }
  })

  it('retries an input round with the token as it is when the client has answered', async () => {
    const sender = createToModernSender(sendUpstream)
    try {
      // The token the call came with is replaced while the client answers.
      let current = MODERN_UPSTREAM_TOKEN
      const freshToken = async () => current
      const sessionId = await initialize(sender, 'client-alice', MODERN_UPSTREAM_TOKEN, freshToken)
      const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY }
      const before = upstream.authorizations.length
      const call = await sender.send(
        request(upstream.url, {
          caller: 'client-alice',
          freshToken,
          ...post(
            { id: 7, method: 'tools/call', params: { name: 'transfer', arguments: { amount: 5 } } },
            headers,
          ),
        }),
      )
      expect(call.statusCode).toBe(200)
      let result: unknown
      for await (const message of eachMessage(call)) {
        if (message.method === 'elicitation/create') {
          current = 'token-2'
          const answered = await sender.send(
            request(upstream.url, {
              caller: 'client-alice',
              token: 'token-2',
              ...post(
                { id: message.id, result: { action: 'accept', content: { ok: true } } },
                headers,
              ),
            }),
          )
          expect(answered.statusCode).toBe(202)
          answered.body.resume()
        } else if (message.id === 7) result = message.result
      }
      expect(result).toMatchObject({ content: [{ type: 'text', text: 'transferred 5' }] })
      // The first send with the call's token, both retries with the one current at their time.
      expect(upstream.authorizations.slice(before)).toEqual([
        `Bearer ${MODERN_UPSTREAM_TOKEN}`,
        'Bearer token-2',
        'Bearer token-2',
      ])
    } finally {
      sender.close()
    }
  })
})
