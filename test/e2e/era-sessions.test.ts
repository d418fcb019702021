// The 2025 sessions the bridge keeps with a 2025 upstream for 2026-07-28 clients, against a real
// SDK 1.x server: a session pushed out by newer ones is ended upstream with DELETE, not left open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startElicitingLegacyServer,
  type ElicitingLegacyServer,
} from '../fixtures/eliciting-legacy-server.js'
import { MODERN_UPSTREAM_TOKEN } from '../fixtures/modern-mcp-server.js'
import type { UpstreamRequest } from '../../src/proxy/upstream.js'
import { sendUpstream } from '../../src/proxy/forward.js'
import { upstreamRequest } from '../support/upstream-request.js'
import { UpstreamSessions, type UpstreamSession } from '../../src/proxy/era/upstream-sessions.js'

describe('the 2025 upstream sessions of 2026-07-28 clients', () => {
  let upstream: ElicitingLegacyServer
  beforeAll(async () => {
    upstream = await startElicitingLegacyServer()
  })
  afterAll(async () => {
    await upstream?.close()
  })

  const request = (): UpstreamRequest =>
    upstreamRequest(upstream.url, {
      staticHeaders: { authorization: `Bearer ${MODERN_UPSTREAM_TOKEN}` },
    })
  const open = async (sessions: UpstreamSessions, name: string): Promise<UpstreamSession> => {
    const opening = await sessions.sessionFor(request(), { name, version: '1' }, {})
    if (opening.kind !== 'open')
      throw new Error(`initialize refused: HTTP ${opening.response.statusCode}`)
    return opening.session
  }
  /** The upstream's HTTP status for a ping on this session: 200 while it knows the session, 404 after. */
  const ping = async (session: UpstreamSession): Promise<number> => {
    const answer = await sendUpstream({
      ...request(),
      clientHeaders: {
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
        'mcp-protocol-version': session.protocolVersion,
        'mcp-session-id': session.id,
      },
      body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })),
    })
    answer.body.resume()
    return answer.statusCode
  }

  it('ends the oldest session upstream when a new client pushes it out', async () => {
    const sessions = new UpstreamSessions(sendUpstream, 1)
    const oldest = await open(sessions, 'first-client')
    expect(await ping(oldest)).toBe(200)
    const newest = await open(sessions, 'second-client')
    await expect.poll(() => ping(oldest)).toBe(404)
    expect(await ping(newest)).toBe(200)
  })
})
