// Both MCP eras in both directions through the bridge: a 2025 client (SDK 1.x) and a
// 2026-07-28 client (SDK v2, pinned) each against a 2025-11-25-only upstream (SDK 1.x, sessionful)
// and a 2026-07-28-only upstream (SDK v2, legacy: 'reject'), listing tools and calling them
// allowed, held then approved, held then denied, and denied by policy. Also: `add` records each
// upstream's era, the bridge re-detects and saves it when the upstream changes era on the same
// port, and `stdio` (the 1.x relay) works against the modern upstream.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLegacyMcpServer, type LegacyMcpServer } from '../fixtures/legacy-mcp-server.js'
import {
  MODERN_UPSTREAM_TOKEN,
  startModernMcpServer,
  type ModernMcpServer,
} from '../fixtures/modern-mcp-server.js'
import { cliEnv, makeHome, startBridgeProcess, type RunningCli } from './cli-process.js'
import type { PendingCall } from '../../src/approvals/queue.js'
import { decide, waitForPending } from './approvals-api.js'
import {
  addServer,
  connectClient,
  startBridgeFor,
  stdioCommand,
  type ServerSetup,
} from './bridge-setup.js'

type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }> }
type Era = 'legacy' | 'modern'

/** What a test needs of either SDK's client. */
interface AnyClient {
  listTools(): Promise<{ tools: Array<{ name: string }> }>
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>
  close(): Promise<void>
}

const AUTH = `Bearer ${MODERN_UPSTREAM_TOKEN}`

/** A client of `era` on the bridge's endpoint for `server`. */
async function connect(
  era: Era,
  bridge: RunningCli,
  server: string,
  name: string,
): Promise<AnyClient> {
  if (era === 'legacy') return (await connectClient(bridge, server, name)) as unknown as AnyClient
  const client = new ModernClient(
    { name, version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  )
  await client.connect(new ModernTransport(new URL(`${bridge.url}/mcp/${server}`)))
  return client as unknown as AnyClient
}

/** The first call the bridge holds, once it holds one. */
async function firstHeld(bridge: RunningCli): Promise<PendingCall> {
  const [call] = await waitForPending(bridge, 1)
  return call!
}

async function savedEra(home: string, server: string): Promise<unknown> {
  const config = JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as {
    servers: Record<string, { era?: string }>
  }
  return config.servers[server]?.era
}

describe('both eras, both directions', () => {
  let modern: ModernMcpServer
  let legacy: LegacyMcpServer
  let home: string
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli

  beforeAll(async () => {
    modern = await startModernMcpServer({ legacy: 'reject' })
    legacy = await startLegacyMcpServer()
    const upstream = (url: string): ServerSetup => ({
      url,
      header: `Authorization: ${AUTH}`,
      tools: { echo: 'allow', wipe: 'deny', deploy: 'ask' },
    })
    ;({ home, env, bridge } = await startBridgeFor({
      modern: upstream(modern.url),
      legacy: upstream(legacy.url),
    }))
  })
  afterAll(async () => {
    await bridge?.stop()
    await modern?.close()
    await legacy?.close()
  })

  it('`add` records the era of each upstream', async () => {
    expect(await savedEra(home, 'modern')).toBe('2026-07-28')
    expect(await savedEra(home, 'legacy')).toBe('2025-11-25')
  })

  describe.each([
    ['legacy', 'legacy'],
    ['legacy', 'modern'],
    ['modern', 'legacy'],
    ['modern', 'modern'],
  ] as Array<[Era, Era]>)('%s client → %s upstream', (clientEra, upstreamEra) => {
    let client: AnyClient
    const runs = () => (upstreamEra === 'modern' ? modern : legacy).toolRuns

    beforeAll(async () => {
      client = await connect(clientEra, bridge, upstreamEra, `${clientEra}-client`)
    })
    afterAll(async () => {
      await client?.close()
    })

    it('lists the tools, leaving out the one denied by policy', async () => {
      const names = (await client.listTools()).tools.map((tool) => tool.name)
      expect(names).toEqual(expect.arrayContaining(['echo', 'deploy']))
      expect(names).not.toContain('wipe')
    })

    it('forwards a call the policy allows', async () => {
      const result = (await client.callTool({
        name: 'echo',
        arguments: { text: `${clientEra} to ${upstreamEra}` },
      })) as ToolResult
      expect(result.isError).toBeFalsy()
      expect(result.content[0]?.text).toBe(`${clientEra} to ${upstreamEra}`)
    })

    it('holds a call, names the client, and forwards it once approved', async () => {
      const call = client.callTool({
        name: 'deploy',
        arguments: { region: 'eu-west', service: 'api' },
      })
      const held = await firstHeld(bridge)
      expect(held).toMatchObject({
        server: upstreamEra,
        tool: 'deploy',
        client: `${clientEra}-client`,
      })
      expect(await decide(bridge, held.id, 'approve')).toBe(200)
      expect(((await call) as ToolResult).content[0]?.text).toBe('deployed api to eu-west')
      if (upstreamEra === 'modern')
        expect(modern.lastHeaders).toMatchObject({
          'mcp-name': 'deploy',
          'mcp-param-region': 'eu-west',
        })
    })

    it('answers a held call a person denies, and the upstream never runs it', async () => {
      const before = runs().length
      const call = client.callTool({
        name: 'deploy',
        arguments: { region: 'us-east', service: 'db' },
      })
      const held = await firstHeld(bridge)
      expect(await decide(bridge, held.id, 'deny')).toBe(200)
      const result = (await call) as ToolResult
      expect(result.isError).toBe(true)
      expect(result.content[0]?.text).toMatch(/denied by the user/)
      expect(runs().length).toBe(before)
    })

    it('answers a call the policy denies itself', async () => {
      const result = (await client.callTool({ name: 'wipe', arguments: {} })) as ToolResult
      expect(result.isError).toBe(true)
      expect(result.content[0]?.text).toMatch(/denied by policy/)
      expect(runs()).not.toContain('wipe')
    })
  })

  it('gives the 2025 upstream one session per modern client, initialized with its identity and without the reserved _meta keys', async () => {
    const modernInits = legacy.initializations.filter(
      (init) => init.clientInfo?.name === 'modern-client',
    )
    expect(modernInits).toHaveLength(1)
    expect(modernInits[0]).toMatchObject({ protocolVersion: '2025-11-25' })
    const meta = (legacy.lastCallMeta ?? {}) as Record<string, unknown>
    expect(Object.keys(meta).filter((key) => key.startsWith('io.modelcontextprotocol/'))).toEqual(
      [],
    )
  })

  it('opens a new upstream session for a modern client when the 2025 upstream forgets its session', async () => {
    const client = await connect('modern', bridge, 'legacy', 'forgotten-client')
    expect(
      ((await client.callTool({ name: 'echo', arguments: { text: 'one' } })) as ToolResult)
        .content[0]?.text,
    ).toBe('one')
    await legacy.expireSessions()
    expect(
      ((await client.callTool({ name: 'echo', arguments: { text: 'two' } })) as ToolResult)
        .content[0]?.text,
    ).toBe('two')
    expect(
      legacy.initializations.filter((init) => init.clientInfo?.name === 'forgotten-client'),
    ).toHaveLength(2)
    await client.close()
  })

  it('answers a 2025 client’s initialize for the modern upstream from server/discover, with a session of its own', async () => {
    const client = new LegacyClient({ name: 'init-check', version: '1.0.0' })
    const transport = new LegacyTransport(new URL(`${bridge.url}/mcp/modern`))
    await client.connect(transport)
    expect(client.getServerVersion()).toMatchObject({ name: 'modern-upstream' })
    expect(client.getServerCapabilities()).toMatchObject({ tools: {} })
    const sessionId = transport.sessionId
    expect(sessionId).toBeTruthy()
    await transport.terminateSession()
    const after = await fetch(`${bridge.url}/mcp/modern`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    })
    expect(after.status).toBe(404)
    await client.close()
  })

  it('`stdio` (the 2025 relay) lists and calls a tool of the modern upstream', async () => {
    const client = new LegacyClient({ name: 'stdio-client', version: '1.0.0' })
    await client.connect(
      // Without --port: the relay finds the running bridge through its runtime file.
      new StdioClientTransport(stdioCommand(env, 'modern')),
    )
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('echo')
    expect(
      ((await client.callTool({ name: 'echo', arguments: { text: 'over stdio' } })) as ToolResult)
        .content[0]?.text,
    ).toBe('over stdio')
    await client.close()
  })
})

describe('an upstream that changes era on the same port', () => {
  it('is detected again on the version error, and the new era is saved', async () => {
    let upstream: { url: string; close(): Promise<void> } = await startModernMcpServer({
      legacy: 'reject',
    })
    const port = Number(new URL(upstream.url).port)
    const home = await makeHome()
    const env = cliEnv(home)
    await addServer(env, 'shifty', {
      url: upstream.url,
      header: `Authorization: ${AUTH}`,
      policy: 'allow',
    })
    expect(await savedEra(home, 'shifty')).toBe('2026-07-28')
    const bridge = await startBridgeProcess(env)
    try {
      await upstream.close()
      upstream = await startLegacyMcpServer({ port })
      const modernClient = await connect('modern', bridge, 'shifty', 'shift-modern')
      expect(
        (
          (await modernClient.callTool({
            name: 'echo',
            arguments: { text: 'now 2025' },
          })) as ToolResult
        ).content[0]?.text,
      ).toBe('now 2025')
      await expect.poll(() => savedEra(home, 'shifty')).toBe('2025-11-25')
      await modernClient.close()

      await upstream.close()
      upstream = await startModernMcpServer({ legacy: 'reject', port })
      const legacyClient = await connect('legacy', bridge, 'shifty', 'shift-legacy')
      expect(
        (
          (await legacyClient.callTool({
            name: 'echo',
            arguments: { text: 'now 2026' },
          })) as ToolResult
        ).content[0]?.text,
      ).toBe('now 2026')
      await expect.poll(() => savedEra(home, 'shifty')).toBe('2026-07-28')
      await legacyClient.close()
    } finally {
      await bridge.stop()
      await upstream.close()
    }
  })
})
