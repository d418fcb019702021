// Edited arguments on the 2026-07-28 path: a SDK v2 client pinned to 2026-07-28, through the
// bridge, to a 2026-07-28 upstream that checks its Mcp-Param-* headers against the body. The
// `deploy` tool mirrors `region` in Mcp-Param-Region, so editing the region must change the
// header the upstream gets (base64-encoded where §Value Encoding asks for it), or the upstream
// refuses the call with -32020.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MODERN_UPSTREAM_TOKEN,
  startModernMcpServer,
  type ModernMcpServer,
} from '../fixtures/modern-mcp-server.js'
import { runCli, type RunningCli } from './cli-process.js'
import { waitForPending } from './approvals-api.js'
import { startBridgeFor } from './bridge-setup.js'

type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }> }

const MODERN = '2026-07-28'
const NOTE_START =
  'Note from the bridge: before approving this call, the person changed its arguments, and the tool ran with the changed ones, not the ones you sent. '

describe('edited arguments on a 2026-07-28 call', () => {
  let upstream: ModernMcpServer
  let bridge: RunningCli
  let env: NodeJS.ProcessEnv
  let client: Client

  const approveEdited = async (id: string, args: unknown): Promise<number> => {
    const response = await fetch(`${bridge.url}/approvals/api/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, decision: 'approve', arguments: args }),
    })
    await response.body?.cancel()
    return response.status
  }

  beforeAll(async () => {
    upstream = await startModernMcpServer()
    ;({ env, bridge } = await startBridgeFor({
      up: { url: upstream.url, header: `Authorization: Bearer ${MODERN_UPSTREAM_TOKEN}` },
    }))
    client = new Client(
      { name: 'modern-edit-e2e', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: MODERN } } },
    )
    await client.connect(new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/up`)))
    await client.listTools() // the bridge learns deploy's schema and its x-mcp-header
  })
  afterAll(async () => {
    await client?.close()
    await bridge?.stop()
    await upstream?.close()
  })

  it('an edited x-mcp-header argument goes upstream with its Mcp-Param header recomputed, and the result has the note', async () => {
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN)
    const call = client.callTool({
      name: 'deploy',
      arguments: { region: 'eu-west', service: 'api' },
    }) as Promise<ToolResult>
    const [held] = await waitForPending(bridge, 1)
    expect(await approveEdited(held!.id, { region: 'us-east', service: 'api' })).toBe(200)
    const result = await call
    expect(result.isError).toBeFalsy()
    expect(result.content).toEqual([
      { type: 'text', text: 'deployed api to us-east' },
      { type: 'text', text: `${NOTE_START}$.region: "eu-west" → "us-east".` },
    ])
    expect(upstream.lastHeaders).toMatchObject({
      'mcp-method': 'tools/call',
      'mcp-name': 'deploy',
      'mcp-param-region': 'us-east',
    })
  })

  it('a value that needs encoding is sent as =?base64?…?=, from the terminal too', async () => {
    const call = client.callTool({
      name: 'deploy',
      arguments: { region: 'eu-west', service: 'api' },
    }) as Promise<ToolResult>
    const [held] = await waitForPending(bridge, 1)
    const refused = await runCli(
      ['approvals', 'approve', held!.id, '--args', '{"region": "Zürich"}'],
      env,
    )
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('$.service: is required')
    const approved = await runCli(
      ['approvals', 'approve', held!.id, '--args', '{"region": "Zürich", "service": "web"}'],
      env,
    )
    expect(approved.code, approved.stderr).toBe(0)
    const result = await call
    expect(result.content.map((item) => item.text)).toEqual([
      'deployed web to Zürich',
      `${NOTE_START}$.region: "eu-west" → "Zürich"; $.service: "api" → "web".`,
    ])
    expect(upstream.lastHeaders?.['mcp-param-region']).toBe(
      `=?base64?${Buffer.from('Zürich').toString('base64')}?=`,
    )
  })
})
