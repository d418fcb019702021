// Each stage called with plain values: an in-memory request and response, a config object, fakes
// for the parts. The whole pipeline runs in the e2e tests.
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { InMemoryApprovalQueue } from '../../approvals/queue.js'
import { ToolCatalog } from '../../approvals/tool-catalog.js'
import type { DecisionRecord } from '../../approvals/gate.js'
import { defaultConfig, type ServerEntry } from '../../config/schema.js'
import { ClientGone } from '../../proxy/client-gone.js'
import type { UpstreamRequest, UpstreamResponse } from '../../proxy/upstream.js'
import type { TokenManager } from '../../tokens/manager.js'
import { inMemoryRequest } from '../../../test/support/in-memory-http.js'
import { createBridgeHandler } from '../app.js'
import { loopbackAuthorities } from '../guard.js'
import type { ApprovalsWiring } from './approvals-wiring.js'
import { forwardWithToken, type ForwardParts } from './forward-stage.js'
import { allowedNow, gateRequest, type GateInput } from './gate-stage.js'
import { guardRequest } from './guard-stage.js'
import { readMessages } from './read-stage.js'
import { isUnreadableErrorCandidate } from './relay-stage.js'
import { routeRequest } from './route-stage.js'
import { requestPath } from '../request-path.js'

const entry: ServerEntry = {
  url: 'http://127.0.0.1:1/mcp',
  auth: 'oauth',
  policy: 'allow',
  tools: { wipe: { policy: 'deny' } },
}
const call = (tool: string, id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: tool, arguments: { a: 1 } },
})

function answer(
  statusCode: number,
  text = '',
  headers: Record<string, string> = { 'content-type': 'application/json' },
): UpstreamResponse {
  return { statusCode, headers, body: Readable.from([Buffer.from(text)]) }
}

function approvals(decisions: DecisionRecord[]): ApprovalsWiring {
  return {
    queue: new InMemoryApprovalQueue(),
    catalog: new ToolCatalog(),
    pageUrl: () => 'http://localhost:3000/approvals',
    clientName: () => undefined,
    rememberClient: () => undefined,
    rememberHeld: () => undefined,
    cancelHeld: () => undefined,
    onDecision: (record) => decisions.push(record),
    onAlwaysAllow: async () => undefined,
  }
}

async function gateInput(body: unknown): Promise<GateInput> {
  const { req, res } = inMemoryRequest({ body: JSON.stringify(body) })
  const read = await readMessages(req, res)
  if (!read) throw new Error('unread')
  return {
    req,
    res,
    server: 'up',
    entry,
    read,
    clientName: 'tester',
    timeoutMs: 1000,
    gone: new ClientGone(res),
  }
}

describe('guard stage', () => {
  it('lets our own loopback Host through and refuses another with 403', async () => {
    const ours = inMemoryRequest({ headers: { host: 'localhost:3000' } })
    expect(guardRequest(ours.req, ours.res, loopbackAuthorities(3000))).toBe(true)
    const other = inMemoryRequest({ url: '/mcp/up', headers: { host: 'evil.example' } })
    expect(guardRequest(other.req, other.res, loopbackAuthorities(3000))).toBe(false)
    expect((await other.answer).status).toBe(403)
  })
})

describe('route stage', () => {
  const parts = {
    config: () => ({ ...defaultConfig(), servers: { up: entry } }),
    bridgeToken: () => 'secret',
  }

  it('finds the configured server for a client with the bridge token', async () => {
    const { req, res } = inMemoryRequest({
      url: '/mcp/up',
      headers: { authorization: 'Bearer secret' },
    })
    expect(await routeRequest(req, res, parts)).toMatchObject({
      name: 'up',
      entry,
      caller: undefined,
    })
  })

  it('answers 401 without the token, 404 for an unknown server, 405 for PUT', async () => {
    const cases = [
      [{ url: '/mcp/up' }, 401],
      [{ url: '/mcp/nope', headers: { authorization: 'Bearer secret' } }, 404],
      [{ url: '/mcp/up', method: 'PUT', headers: { authorization: 'Bearer secret' } }, 405],
    ] as const
    for (const [request, status] of cases) {
      const { req, res, answer: done } = inMemoryRequest(request)
      expect(await routeRequest(req, res, parts)).toBeUndefined()
      expect((await done).status).toBe(status)
    }
  })

  it('reads paths as URL does, without building one for plain paths', () => {
    for (const url of [
      '/mcp/up',
      '/mcp/up/?x=1',
      '/health',
      '//other/mcp/up',
      '/mcp/../mcp/up',
      '/a%20b',
    ])
      expect(requestPath(url)).toBe(new URL(url, 'http://bridge').pathname)
    // A target URL cannot read is refused as an MCP request, by the guard and the router alike.
    expect(requestPath('http://[')).toBe('/mcp')
  })
})

describe('read stage', () => {
  it('reads a batch, labels it and refuses a body that is not JSON', async () => {
    const batch = inMemoryRequest({ body: JSON.stringify([call('a', 1), call('b', 2)]) })
    expect(await readMessages(batch.req, batch.res)).toMatchObject({
      label: 'batch of 2',
      modern: false,
    })
    const broken = inMemoryRequest({ body: '{' })
    expect(await readMessages(broken.req, broken.res)).toBeUndefined()
    expect(await broken.answer).toMatchObject({ status: 400 })
  })
})

describe('gate stage', () => {
  it('decides calls the policy allows at once, with their decisions recorded', async () => {
    const decisions: DecisionRecord[] = []
    const input = await gateInput(call('read'))
    const gated = gateRequest(input, approvals(decisions))
    expect(gated).not.toBeInstanceOf(Promise)
    expect(gated).toMatchObject({ outcome: { local: [], forward: [call('read')] } })
    expect(decisions).toEqual([
      {
        rule: expect.any(String),
        client: 'tester',
        arguments: { a: 1 },
        server: 'up',
        tool: 'read',
        decision: 'allow',
        how: 'policy',
      },
    ])
  })

  it('leaves a denied call to the gate, which answers it here', async () => {
    const decisions: DecisionRecord[] = []
    const input = await gateInput([call('read', 1), call('wipe', 2)])
    expect(allowedNow(input.read.messages, input, approvals(decisions))).toBeUndefined()
    const gated = await gateRequest(input, approvals(decisions))
    expect(gated?.outcome.forward).toEqual([call('read', 1)])
    expect(gated?.outcome.local).toHaveLength(1)
    expect(decisions.map((record) => record.decision)).toEqual(['allow', 'deny'])
  })
})

describe('forward stage', () => {
  it('sends the token, and on a 401 replaces the rejected one and sends again', async () => {
    const sent: (string | undefined)[] = []
    let current = 'old'
    const parts: ForwardParts = {
      config: () => ({ ...defaultConfig(), servers: { up: entry } }),
      tokens: {
        accessToken: async () => current,
        replaceRejected: async () => ((current = 'new'), 'replaced'),
      } as unknown as TokenManager,
      staticHeaders: async () => undefined,
      authorize: async () => undefined,
      senderFor: () => async (request: UpstreamRequest) => {
        sent.push(request.token)
        return request.token === 'old' ? answer(401) : answer(200, '{}')
      },
    }
    const { res } = inMemoryRequest()
    const upstream = await forwardWithToken(
      {
        name: 'up',
        entry,
        method: 'POST',
        headers: {},
        body: undefined,
        timeoutSeconds: 5,
        gone: new ClientGone(res),
      },
      parts,
    )
    expect(upstream.statusCode).toBe(200)
    expect(sent).toEqual(['old', 'new'])
  })
})

describe('relay stage', () => {
  it('reads error bodies that may not be JSON-RPC, but passes SSE and a session 404 on', () => {
    const { req } = inMemoryRequest({ headers: { 'mcp-session-id': 's' } })
    expect(
      isUnreadableErrorCandidate(answer(502, 'oops', { 'content-type': 'text/html' }), req),
    ).toBe(true)
    expect(
      isUnreadableErrorCandidate(answer(500, '', { 'content-type': 'text/event-stream' }), req),
    ).toBe(false)
    expect(isUnreadableErrorCandidate(answer(404), req)).toBe(false)
  })
})

describe('the pipeline without a socket', () => {
  it('answers /health and refuses a server that is not configured', async () => {
    const handler = createBridgeHandler({
      config: () => defaultConfig(),
      tokens: {} as TokenManager,
      staticHeaders: async () => undefined,
      authorize: async () => undefined,
      allowedAuthorities: () => loopbackAuthorities(3000),
      senderFor: () => () => Promise.reject(new Error('unused')),
      bridgeToken: () => undefined,
      log: () => undefined,
    })
    const health = inMemoryRequest({ method: 'GET', url: '/health' })
    handler(health.req, health.res)
    expect((await health.answer).json()).toMatchObject({ service: 'mcp-oauth-bridge' })
    const unknown = inMemoryRequest({ url: '/mcp/nope', body: JSON.stringify(call('a')) })
    handler(unknown.req, unknown.res)
    expect(await unknown.answer).toMatchObject({ status: 404 })
  })
})
