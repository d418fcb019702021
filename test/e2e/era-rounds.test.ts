// Input rounds and listens across the two MCP eras, through the bridge, with real SDK clients
// and servers on loopback:
//   a 2025 client (SDK 1.x, handles elicitation/create) of a 2026-07-28 upstream (SDK v2) whose
//   tool answers input_required twice: the bridge asks the client mid-call and retries upstream;
//   a 2026-07-28 client (SDK v2, pinned) of a 2025 upstream (SDK 1.x) whose tool calls
//   elicitInput mid-call: the client sees input_required rounds, the upstream call stays open;
//   the same modern client's subscriptions/listen, served from the 2025 upstream's GET stream.
// Each call is held for approval once; the rounds do not ask the person again.
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PendingCall } from '../../src/approvals/queue.js'
import { startElicitingLegacyServer, type ElicitingLegacyServer } from '../fixtures/eliciting-legacy-server.js'
import { MODERN_UPSTREAM_TOKEN, startModernMcpServer, type ModernMcpServer } from '../fixtures/modern-mcp-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'

type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }> }

const AUTH = `Authorization: Bearer ${MODERN_UPSTREAM_TOKEN}`

async function pending(bridge: RunningCli): Promise<PendingCall[]> {
  const response = await fetch(`${bridge.url}/approvals/api/pending`)
  return ((await response.json()) as { pending: PendingCall[] }).pending
}

async function waitForPending(bridge: RunningCli): Promise<PendingCall> {
  for (;;) {
    const [call] = await pending(bridge)
    if (call) return call
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function approve(bridge: RunningCli, id: string): Promise<void> {
  const response = await fetch(`${bridge.url}/approvals/api/decide`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, decision: 'approve' }) })
  await response.body?.cancel()
  expect(response.status).toBe(200)
}

describe('input rounds and listens across eras', () => {
  let modern: ModernMcpServer
  let eliciting: ElicitingLegacyServer
  let silent: ElicitingLegacyServer
  let bridge: RunningCli

  beforeAll(async () => {
    modern = await startModernMcpServer({ legacy: 'reject' })
    eliciting = await startElicitingLegacyServer()
    silent = await startElicitingLegacyServer({ getStream: false })
    const env = cliEnv(await makeHome())
    for (const [name, url] of [['modern', modern.url], ['eliciting', eliciting.url], ['silent', silent.url]] as const) {
      const add = await runCli(['add', name, url, '--header', AUTH, '--policy', 'allow'], env)
      expect(add.code, add.stderr).toBe(0)
    }
    expect((await runCli(['policy', 'modern', 'transfer', 'ask'], env)).code).toBe(0)
    expect((await runCli(['policy', 'eliciting', 'confirm', 'ask'], env)).code).toBe(0)
    bridge = await startBridgeProcess(env)
  })
  afterAll(async () => {
    await bridge?.stop()
    await modern?.close()
    await eliciting?.close()
    await silent?.close()
  })

  describe('a 2025 client of a 2026-07-28 upstream that answers input_required', () => {
    it('asks the client on the call’s stream, retries upstream with its answers, and is approved once', async () => {
      const client = new LegacyClient({ name: 'eliciting-2025-client', version: '1.0.0' }, { capabilities: { elicitation: {} } })
      const asked: string[] = []
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(String(request.params.message))
        return { action: 'accept', content: { ok: true } }
      })
      await client.connect(new LegacyTransport(new URL(`${bridge.url}/mcp/modern`)))
      const runsBefore = modern.toolRuns.filter((run) => run === 'transfer').length
      const call = client.callTool({ name: 'transfer', arguments: { amount: 5 } })
      const held = await waitForPending(bridge)
      expect(held).toMatchObject({ server: 'modern', tool: 'transfer', client: 'eliciting-2025-client' })
      await approve(bridge, held.id)
      const result = (await call) as ToolResult
      expect(result.isError).toBeFalsy()
      expect(result.content[0]?.text).toBe('transferred 5')
      expect(result).not.toHaveProperty('resultType')
      expect(asked).toEqual(['Transfer 5?', 'Really?'])
      // The first call and two retries, all with the approved arguments, and no second card.
      expect(modern.toolRuns.filter((run) => run === 'transfer').length - runsBefore).toBe(3)
      expect(await pending(bridge)).toEqual([])
      await client.close()
    })

    it('keeps the error result for a client that did not declare elicitation', async () => {
      const client = new LegacyClient({ name: 'plain-2025-client', version: '1.0.0' })
      await client.connect(new LegacyTransport(new URL(`${bridge.url}/mcp/modern`)))
      const call = client.callTool({ name: 'transfer', arguments: { amount: 7 } })
      await approve(bridge, (await waitForPending(bridge)).id)
      const outcome = await call.then((result) => (result as ToolResult).content[0]?.text ?? '', (error: unknown) => String(error))
      expect(outcome).toMatch(/declared elicitation, sampling or roots at initialize|declared that capability at initialize/)
      await client.close()
    })
  })
})
