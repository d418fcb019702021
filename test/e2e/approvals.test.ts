// The approvals gate without a browser: held calls decided from the terminal API, denials,
// timeouts, disconnects, progress while waiting, batches judged call by call, tools/list
// filtered over JSON and SSE, and 200 concurrent held calls decided in random order.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { startScriptedServer, type ScriptedServer } from '../fixtures/scripted-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'
import { connectClient, startBridgeFor } from './bridge-setup.js'
import { decide, pending, waitForPending } from './approvals-api.js'

type ToolResult = { isError?: boolean; content: Array<{ text: string }> }

describe('approvals without a browser', () => {
  let fixture: OAuthFixture
  let home: string
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  let client: Client

  beforeAll(async () => {
    fixture = await startOAuthFixture({ requireAuth: false })
    ;({ home, env, bridge } = await startBridgeFor({ up: { url: fixture.mcpUrl } }))
    client = await connectClient(bridge, 'up', 'approvals-e2e')
    await client.listTools() // the bridge learns the tools' definitions
  })
  afterAll(async () => {
    await client.close()
    await bridge.stop()
    await fixture.close()
  })

  it('holds a call by default and forwards it once approved, showing who asked and the description', async () => {
    const call = client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })
    const [held] = await waitForPending(bridge, 1)
    expect(held).toMatchObject({
      server: 'up',
      tool: 'add',
      arguments: { a: 20, b: 22 },
      client: 'approvals-e2e',
      canAlwaysAllow: true,
    })
    expect(held!.description).toBeTruthy()
    expect(await decide(bridge, held!.id, 'approve')).toBe(200)
    expect(((await call) as ToolResult).content[0]?.text).toBe('42')
    expect(await decide(bridge, held!.id, 'approve')).toBe(409) // decided once, only once
  })

  it('answers a denied call with a tool error, and the server never sees it; decisions are logged', async () => {
    const before = fixture.stats.toolCalls
    const call = client.callTool({
      name: 'echo',
      arguments: { text: 'a long argument the decision log must not keep whole' },
    })
    const [held] = await waitForPending(bridge, 1)
    expect(await decide(bridge, held!.id, 'deny')).toBe(200)
    const result = (await call) as ToolResult
    expect(result.isError).toBe(true)
    expect(result.content[0]?.text).toMatch(/denied by the user \(from the terminal\)/)
    expect(fixture.stats.toolCalls).toBe(before)
    const decisions = async () =>
      (await readFile(join(home, 'logs', 'decisions.jsonl'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as object)
    await expect
      .poll(decisions)
      .toContainEqual(
        expect.objectContaining({ server: 'up', tool: 'echo', decision: 'deny', how: 'terminal' }),
      )
    expect(await decisions()).toContainEqual(
      expect.objectContaining({ server: 'up', tool: 'add', decision: 'allow', how: 'terminal' }),
    )
    // Arguments are kept as a hash and a short preview, never whole.
    const log = await readFile(join(home, 'logs', 'decisions.jsonl'), 'utf8')
    expect(log).not.toContain('a long argument the decision log must not keep whole')
    expect(await decisions()).toContainEqual(
      expect.objectContaining({
        tool: 'echo',
        decision: 'deny',
        argsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    )
  })

  it('sends progress while a call waits, when the client asked for progress', async () => {
    const progress: string[] = []
    const call = client.callTool({ name: 'echo', arguments: { text: 'patient' } }, undefined, {
      onprogress: (update) => progress.push(update.message ?? ''),
    })
    const [held] = await waitForPending(bridge, 1)
    await expect.poll(() => progress.length).toBeGreaterThan(0)
    expect(progress[0]).toMatch(
      /Waiting for a person to approve this call at http:\/\/localhost:\d+\/approvals/,
    )
    await decide(bridge, held!.id, 'approve')
    expect(((await call) as ToolResult).content[0]?.text).toBe('patient')
  })

  it('takes a call off the page when its client cancels it (notifications/cancelled)', async () => {
    const abort = new AbortController()
    const call = client
      .callTool({ name: 'echo', arguments: { text: 'cancelled' } }, undefined, {
        signal: abort.signal,
      })
      .catch(() => 'aborted')
    await waitForPending(bridge, 1)
    abort.abort()
    expect(await call).toBe('aborted')
    await expect.poll(async () => (await pending(bridge)).length).toBe(0)
  })

  it('takes a call off the page when its client disconnects', async () => {
    const abort = new AbortController()
    const sessionHeaders = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': (client.transport as StreamableHTTPClientTransport).sessionId!,
      'mcp-protocol-version': '2025-06-18',
    }
    const request = fetch(`${bridge.url}/mcp/up`, {
      method: 'POST',
      headers: sessionHeaders,
      signal: abort.signal,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'raw',
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'gone' } },
      }),
    }).catch(() => 'aborted')
    await waitForPending(bridge, 1)
    abort.abort()
    expect(await request).toBe('aborted')
    await expect.poll(async () => (await pending(bridge)).length).toBe(0)
  })

  it('judges a batch call by call', async () => {
    expect((await runCli(['policy', 'up', 'add', 'deny'], env)).code).toBe(0)
    await bridge.waitForOutput(/config\.json changed: reloaded/, 0)
    const sessionHeaders = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': (client.transport as StreamableHTTPClientTransport).sessionId!,
      'mcp-protocol-version': '2025-06-18',
    }
    const batch = [
      {
        jsonrpc: '2.0',
        id: 'denied',
        method: 'tools/call',
        params: { name: 'add', arguments: { a: 1, b: 1 } },
      },
      {
        jsonrpc: '2.0',
        id: 'asked',
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'in a batch' } },
      },
    ]
    const response = fetch(`${bridge.url}/mcp/up`, {
      method: 'POST',
      headers: sessionHeaders,
      body: JSON.stringify(batch),
    })
    const [held] = await waitForPending(bridge, 1)
    expect(held!.tool).toBe('echo')
    await decide(bridge, held!.id, 'approve')
    const text = await (await response).text()
    expect(text).toContain('"id":"denied"')
    expect(text).toMatch(/denied by policy/)
    expect(text).toContain('"id":"asked"')
    expect(text).toContain('in a batch')
  })

  it('leaves denied tools out of tools/list (an SSE answer here)', async () => {
    const tools = (await client.listTools()).tools.map((tool) => tool.name)
    expect(tools).toContain('echo')
    expect(tools).not.toContain('add')
  })

  it('200 concurrent held calls, approved in random order, each get their own result', async () => {
    expect((await runCli(['policy', 'up', 'echo', 'ask'], env)).code).toBe(0)
    const calls = Array.from({ length: 200 }, (_, i) =>
      client.callTool({ name: 'echo', arguments: { text: `call ${i}` } }),
    )
    const held = await waitForPending(bridge, 200)
    const shuffled = [...held].sort(() => Math.random() - 0.5)
    await Promise.all(shuffled.map((call) => decide(bridge, call.id, 'approve')))
    const results = (await Promise.all(calls)) as ToolResult[]
    expect(results.map((result) => result.content[0]?.text)).toEqual(
      Array.from({ length: 200 }, (_, i) => `call ${i}`),
    )
  })

  it('denies a call nobody decides within the approval timeout', async () => {
    const file = join(home, 'config.json')
    await writeFile(
      file,
      JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), approvalTimeoutSeconds: 1 }),
    )
    await bridge.waitForOutput(/config\.json changed: reloaded/)
    const result = (await client.callTool({
      name: 'echo',
      arguments: { text: 'too late' },
    })) as ToolResult
    expect(result.isError).toBe(true)
    expect(result.content[0]?.text).toMatch(/nobody approved it within 1 s/)
  })
})

describe('tools/list filtering over a JSON answer', () => {
  let server: ScriptedServer
  afterAll(() => server.close())

  it('leaves denied tools out and keeps the rest of the answer as sent', async () => {
    server = await startScriptedServer({
      'POST /mcp': async (req, res) => {
        let body = ''
        for await (const chunk of req) body += chunk
        const message = JSON.parse(body) as { id: number; method: string }
        const result =
          message.method === 'tools/list'
            ? {
                tools: [
                  { name: 'keep', inputSchema: { type: 'object' } },
                  { name: 'drop', inputSchema: { type: 'object' } },
                ],
                nextCursor: 'page-2',
              }
            : {
                protocolVersion: '2025-06-18',
                capabilities: { tools: {} },
                serverInfo: { name: 'json', version: '1' },
              }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }))
      },
    })
    const env = cliEnv(await makeHome())
    expect(
      (await runCli(['add', 'json', `${server.origin}/mcp`, '--transport', 'http'], env)).code,
    ).toBe(0)
    expect((await runCli(['policy', 'json', 'drop', 'deny'], env)).code).toBe(0)
    const bridge = await startBridgeProcess(env)
    try {
      const response = await fetch(`${bridge.url}/mcp/json`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: '{"jsonrpc":"2.0","id":5,"method":"tools/list"}',
      })
      expect(await response.json()).toEqual({
        jsonrpc: '2.0',
        id: 5,
        result: {
          tools: [{ name: 'keep', inputSchema: { type: 'object' } }],
          nextCursor: 'page-2',
        },
      })
    } finally {
      await bridge.stop()
    }
  })
})
