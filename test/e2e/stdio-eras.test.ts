// The stdio relay carries both MCP eras: a 2026-07-28 client (no initialize, no session; each
// request names its version in `_meta`, and the relay mirrors it and the method, name and declared
// arguments in headers) and a 2025 client reach the same upstream through `stdio`, and the
// bridge's gate decides their calls alike.
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport as LegacyStdio } from '@modelcontextprotocol/sdk/client/stdio.js'
import { Client as ModernClient } from '@modelcontextprotocol/client'
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MODERN_UPSTREAM_TOKEN,
  startModernMcpServer,
  type ModernMcpServer,
} from '../fixtures/modern-mcp-server.js'
import type { RunningCli } from './cli-process.js'
import { startBridgeFor, stdioCommand } from './bridge-setup.js'

type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }> }

describe('stdio in both eras', () => {
  let upstream: ModernMcpServer
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli

  beforeAll(async () => {
    upstream = await startModernMcpServer()
    ;({ env, bridge } = await startBridgeFor(
      {
        modern: {
          url: upstream.url,
          header: `Authorization: Bearer ${MODERN_UPSTREAM_TOKEN}`,
          tools: { echo: 'allow', wipe: 'deny', deploy: 'allow' },
        },
      },
      { auth: true },
    ))
  })
  afterAll(async () => {
    await bridge?.stop()
    await upstream?.close()
  })

  const relay = () => stdioCommand(env, 'modern', new URL(bridge.url).port)

  it('a 2026-07-28 client lists and calls tools, and a denied call comes back as a tool error', async () => {
    const client = new ModernClient(
      { name: 'stdio-modern', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    )
    await client.connect(new ModernStdio(relay()))
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('echo')
      expect(
        (
          (await client.callTool({
            name: 'echo',
            arguments: { text: 'modern over stdio' },
          })) as ToolResult
        ).content[0]?.text,
      ).toBe('modern over stdio')
      const denied = (await client.callTool({ name: 'wipe', arguments: {} })) as ToolResult
      expect(denied.isError).toBe(true)
      expect(upstream.toolRuns).not.toContain('wipe')
      // The argument the tool declares with x-mcp-header (seen in tools/list) goes in its header too.
      expect(
        (
          (await client.callTool({
            name: 'deploy',
            arguments: { region: 'eu-west', service: 'api' },
          })) as ToolResult
        ).content[0]?.text,
      ).toBe('deployed api to eu-west')
      expect(upstream.lastHeaders?.['mcp-param-region']).toBe('eu-west')
    } finally {
      await client.close()
    }
  })

  it('a 2025 client does the same through the same command', async () => {
    const client = new LegacyClient({ name: 'stdio-legacy', version: '1.0.0' })
    await client.connect(new LegacyStdio(relay()))
    try {
      expect(
        (
          (await client.callTool({
            name: 'echo',
            arguments: { text: 'legacy over stdio' },
          })) as ToolResult
        ).content[0]?.text,
      ).toBe('legacy over stdio')
      expect(((await client.callTool({ name: 'wipe', arguments: {} })) as ToolResult).isError).toBe(
        true,
      )
    } finally {
      await client.close()
    }
  })
})
