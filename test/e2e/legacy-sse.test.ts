// An HTTP+SSE (2024-11-05) server behind the bridge: the real request handler (app.ts, with its
// policy gate and 401 retries) and the legacy sender, an SDK server on SSEServerTransport
// upstream, and an SDK client on Streamable HTTP downstream.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultConfig, type BridgeConfig } from '../../src/config/schema.js'
import { createLegacySseSender } from '../../src/proxy/legacy-sse.js'
import { createUpstreamSenders, type ReloadableSenders } from '../../src/proxy/upstream-senders.js'
import { detectTransport } from '../../src/proxy/transport-detect.js'
import { createBridgeHandler } from '../../src/server/app.js'
import { loopbackAuthorities } from '../../src/server/guard.js'
import type { TokenManager } from '../../src/tokens/manager.js'
import { startLegacySseServer, type LegacySseServer } from '../fixtures/legacy-sse-server.js'

/** Stands in for the token manager: a refresh yields `refreshTo` once; a login yields `loginTo`. */
class FakeTokens {
  current = 't1'
  refreshTo: string | undefined
  loginTo: string | undefined
  rejected: string[] = []
  logins = 0
  accessToken = async (): Promise<string> => this.current
  replaceRejected = async (_name: string, rejected: string): Promise<'replaced'> => {
    this.rejected.push(rejected)
    if (this.refreshTo) this.current = this.refreshTo
    this.refreshTo = undefined
    return 'replaced'
  }
  forget(): void {}
}

function text(result: unknown): string {
  return ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text
}

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('an HTTP+SSE upstream served as Streamable HTTP through the bridge', () => {
  let upstream: LegacySseServer
  let senders: ReloadableSenders
  let server: Server
  let mcpUrl: URL
  const tokens = new FakeTokens()
  const clients: Client[] = []

  const connect = async (
    options: { roots?: boolean } = {},
  ): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> => {
    const client = new Client(
      { name: 'e2e', version: '1.0.0' },
      options.roots ? { capabilities: { roots: {} } } : {},
    )
    const transport = new StreamableHTTPClientTransport(mcpUrl)
    await client.connect(transport)
    clients.push(client)
    return { client, transport }
  }

  beforeAll(async () => {
    upstream = await startLegacySseServer({ tokens: ['t1'] })
    const config: BridgeConfig = {
      ...defaultConfig(),
      port: 0,
      auth: false,
      servers: {
        legacy: { url: upstream.sseUrl, auth: 'oauth', policy: 'allow', transport: 'sse' },
      },
    }
    senders = createUpstreamSenders()
    let port = 0
    server = createServer(
      createBridgeHandler({
        config: () => config,
        tokens: tokens as unknown as TokenManager,
        staticHeaders: async () => undefined,
        authorize: async () => {
          tokens.logins += 1
          if (tokens.loginTo) tokens.current = tokens.loginTo
        },
        allowedAuthorities: () => loopbackAuthorities(port),
        senderFor: (name, entry) => senders.senderFor(name, entry),
        bridgeToken: () => undefined,
        log: () => undefined,
      }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
    mcpUrl = new URL(`http://127.0.0.1:${port}/mcp/legacy`)
  })

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)))
    await senders.close()
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
    await upstream.close()
  })

  it('initializes, lists and calls tools over one upstream event stream', async () => {
    const { client, transport } = await connect()
    expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(client.getServerVersion()).toMatchObject({ name: 'legacy-sse-fixture' })
    const tools = await client.listTools()
    expect(tools.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['echo', 'add', 'whoami', 'progress', 'log', 'roots']),
    )
    expect(text(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5')
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'héllo ✓' } }))).toBe(
      'héllo ✓',
    )
    expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('t1')
    expect(upstream.stats.streams).toBe(1)
    expect(upstream.stats.posts.every((post) => post.token === 't1')).toBe(true)
  })

  it('delivers server notifications (log messages, progress) on the GET stream', async () => {
    const { client } = await connect()
    const logs: unknown[] = []
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(notification.params.data)
    })
    expect(
      text(await client.callTool({ name: 'log', arguments: { message: 'from the server' } })),
    ).toBe('logged')
    await until(() => logs.includes('from the server'))
    const progress: number[] = []
    const result = await client.callTool({ name: 'progress', arguments: { steps: 4 } }, undefined, {
      onprogress: (update) => progress.push(update.progress),
    })
    expect(text(result)).toBe('done after 4 steps')
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(progress.slice(0, 2)).toEqual([1, 2])
  })

  it('carries a server-to-client request and the client’s answer', async () => {
    const { client } = await connect({ roots: true })
    client.setRequestHandler(ListRootsRequestSchema, () => ({
      roots: [{ uri: 'file:///projects/a', name: 'a' }],
    }))
    expect(text(await client.callTool({ name: 'roots', arguments: {} }))).toBe('file:///projects/a')
    expect(upstream.stats.posts.some((post) => post.method === 'response')).toBe(true)
  }, 10_000)

  it('refreshes a rejected token and retries the POST with it on the same session', async () => {
    const { client } = await connect()
    const streams = upstream.stats.streams
    upstream.acceptTokens(['t2'])
    tokens.refreshTo = 't2'
    // The stream opened with t1 stays open; the POST with t1 is refused, then retried with t2.
    expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('t2')
    expect(tokens.rejected).toEqual(['t1'])
    expect(upstream.stats.streams).toBe(streams)
  })

  it('logs in when the event stream of a new session is refused and no refresh helps', async () => {
    upstream.acceptTokens(['t3'])
    tokens.loginTo = 't3'
    const unauthorizedBefore = upstream.stats.unauthorized
    const { client } = await connect()
    expect(tokens.logins).toBe(1)
    expect(upstream.stats.unauthorized).toBe(unauthorizedBefore + 2) // the GET with t2, the retry after the refresh
    expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('t3')
  })

  it('ends the upstream session on DELETE; the old session id is then unknown', async () => {
    const { transport } = await connect()
    const sessionId = transport.sessionId as string
    await until(() => upstream.stats.openStreams > 0)
    const open = upstream.stats.openStreams
    await transport.terminateSession()
    await until(() => upstream.stats.openStreams === open - 1)
    const stale = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    })
    expect(stale.status).toBe(404)
  })

  it('answers 404 once the upstream stream is gone, and the client starts over with initialize', async () => {
    const { client } = await connect()
    expect(text(await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2')
    upstream.dropStreams()
    await until(() => upstream.stats.openStreams === 0)
    const failure = await client
      .callTool({ name: 'add', arguments: { a: 1, b: 2 } })
      .catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 404 })
    // What a client does on 404 (Streamable HTTP §Session Management): a new session.
    await client.close()
    await client.connect(new StreamableHTTPClientTransport(mcpUrl))
    expect(text(await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } }))).toBe('3')
  })

  it('hands an upstream 401 back as a 401 with its challenge (what app.ts retries on)', async () => {
    const sender = createLegacySseSender()
    try {
      const response = await sender.send({
        url: new URL(upstream.sseUrl),
        method: 'POST',
        clientHeaders: {},
        body: Buffer.from(
          JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: {
              protocolVersion: '2025-06-18',
              capabilities: {},
              clientInfo: { name: 't', version: '1' },
            },
          }),
        ),
        staticHeaders: undefined,
        token: 'wrong',
        signal: new AbortController().signal,
      })
      expect(response.statusCode).toBe(401)
      expect(response.headers['www-authenticate']).toContain(
        `resource_metadata="${upstream.origin}/.well-known/oauth-protected-resource/sse"`,
      )
      response.body.resume()
      expect(sender.sessionCount()).toBe(0)
    } finally {
      await sender.close()
    }
  })

  it('closes the upstream streams of a server the reloaded config no longer has, and keeps those it still has', async () => {
    const { client } = await connect()
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'open' } }))).toBe('open')
    const open = upstream.stats.openStreams
    expect(open).toBeGreaterThan(0)
    const entry = {
      url: upstream.sseUrl,
      auth: 'oauth',
      policy: 'allow',
      transport: 'sse',
    } as const
    senders.retain({ legacy: entry })
    expect(upstream.stats.openStreams).toBe(open)
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe(
      'still here',
    )
    // Renamed (or removed): nothing is configured under this name any more.
    senders.retain({ renamed: entry })
    await until(() => upstream.stats.openStreams === 0)
    // A new client of the server while it is still configured gets a sender of its own.
    const again = await connect()
    expect(text(await again.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } }))).toBe('2')
  })

  it('detects the transport: unauthorized without a token, sse with one', async () => {
    const url = new URL(upstream.sseUrl)
    expect(await detectTransport(url)).toMatchObject({ transport: 'unauthorized', status: 401 })
    expect(await detectTransport(url, { authorization: 'Bearer t3' })).toEqual({ transport: 'sse' })
  })
})
