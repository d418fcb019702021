// A 2026-07-28 client (SDK v2, pinned) through the bridge to a 2026-07-28 upstream (SDK v2
// createMcpHandler): the mirrored Mcp-* headers reach the upstream, the gate holds and decides
// calls without sessions, its own answers carry resultType, and headers that disagree with the
// body are refused with 400 -32020 before the upstream or the approvals page sees anything.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MODERN_UPSTREAM_TOKEN,
  startModernMcpServer,
  type ModernMcpServer,
} from '../fixtures/modern-mcp-server.js'
import type { RunningCli } from './cli-process.js'
import { startBridgeFor } from './bridge-setup.js'
import { decide, pending, waitForPending } from './approvals-api.js'

type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }> }

const MODERN = '2026-07-28'
const META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'raw-modern', version: '1' },
}

function modernClient(name = 'modern-e2e'): Client {
  const client = new Client(
    { name, version: '1.0.0' },
    { versionNegotiation: { mode: { pin: MODERN } }, capabilities: { elicitation: { form: {} } } },
  )
  client.setRequestHandler('elicitation/create', async () => ({
    action: 'accept',
    content: { ok: true },
  }))
  return client
}

describe('2026-07-28 client → bridge → 2026-07-28 upstream', () => {
  let upstream: ModernMcpServer
  let bridge: RunningCli
  let client: Client
  let mcpUrl: string

  const rawPost = (headers: Record<string, string>, message: object) =>
    fetch(mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify(message),
    })

  beforeAll(async () => {
    upstream = await startModernMcpServer()
    ;({ bridge } = await startBridgeFor({
      up: {
        url: upstream.url,
        header: `Authorization: Bearer ${MODERN_UPSTREAM_TOKEN}`,
        tools: { echo: 'allow', wipe: 'deny' },
      },
    }))
    mcpUrl = `${bridge.url}/mcp/up`
    client = modernClient()
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)))
  })
  afterAll(async () => {
    await client?.close()
    await bridge?.stop()
    await upstream?.close()
  })

  it('negotiates 2026-07-28 and lists the tools, with the mirrored headers reaching the upstream', async () => {
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN)
    const tools = (await client.listTools()).tools.map((tool) => tool.name)
    expect(tools).toEqual(expect.arrayContaining(['echo', 'deploy', 'transfer']))
    expect(tools).not.toContain('wipe') // denied by policy, left out
    expect(upstream.lastHeaders).toMatchObject({
      'mcp-protocol-version': MODERN,
      'mcp-method': 'tools/list',
      authorization: `Bearer ${MODERN_UPSTREAM_TOKEN}`,
    })
  })

  it('forwards a call the policy allows', async () => {
    const result = (await client.callTool({
      name: 'echo',
      arguments: { text: 'hello' },
    })) as ToolResult
    expect(result.content[0]?.text).toBe('hello')
    expect(upstream.lastHeaders).toMatchObject({ 'mcp-method': 'tools/call', 'mcp-name': 'echo' })
  })

  it('holds a call, names the client from _meta, and forwards it with its Mcp-Param-* header once approved', async () => {
    const call = client.callTool({
      name: 'deploy',
      arguments: { region: 'eu-west', service: 'api' },
    })
    const [held] = await waitForPending(bridge, 1)
    expect(held).toMatchObject({
      server: 'up',
      tool: 'deploy',
      arguments: { region: 'eu-west', service: 'api' },
      client: 'modern-e2e',
      canAlwaysAllow: true,
    })
    expect(await decide(bridge, held!.id, 'approve')).toBe(200)
    expect(((await call) as ToolResult).content[0]?.text).toBe('deployed api to eu-west')
    expect(upstream.lastHeaders).toMatchObject({
      'mcp-name': 'deploy',
      'mcp-param-region': 'eu-west',
    })
  })

  it('answers a held call a person denies with an isError result the SDK v2 client accepts', async () => {
    const runs = upstream.toolRuns.length
    const call = client.callTool({
      name: 'deploy',
      arguments: { region: 'us-east', service: 'db' },
    })
    const [held] = await waitForPending(bridge, 1)
    expect(await decide(bridge, held!.id, 'deny')).toBe(200)
    const result = (await call) as ToolResult
    expect(result.isError).toBe(true)
    expect(result.content[0]?.text).toMatch(/denied by the user/)
    expect(upstream.toolRuns.length).toBe(runs)
  })

  it('answers a call the policy denies itself, marked resultType complete', async () => {
    const result = (await client.callTool({ name: 'wipe', arguments: {} })) as ToolResult
    expect(result.isError).toBe(true)
    expect(result.content[0]?.text).toMatch(/denied by policy/)
    const raw = await rawPost(
      { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'wipe' },
      {
        jsonrpc: '2.0',
        id: 'w',
        method: 'tools/call',
        params: { name: 'wipe', arguments: {}, _meta: META },
      },
    )
    expect(raw.status).toBe(200)
    expect(((await raw.json()) as { result: unknown }).result).toMatchObject({
      resultType: 'complete',
      isError: true,
    })
    expect(upstream.toolRuns).not.toContain('wipe')
  })

  it('refuses a tools/call labelled tools/list with 400 -32020, and the upstream sees nothing', async () => {
    const before = upstream.requests
    const response = await rawPost(
      { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list', 'mcp-name': 'deploy' },
      {
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'deploy', arguments: { region: 'eu', service: 'x' }, _meta: META },
      },
    )
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: {
        code: -32020,
        message:
          "Header mismatch: Mcp-Method header value 'tools/list' does not match body value 'tools/call'",
        data: { header: 'Mcp-Method', headerValue: 'tools/list', bodyValue: 'tools/call' },
      },
    })
    expect(upstream.requests).toBe(before)
    expect(await pending(bridge)).toEqual([])
  })

  it('refuses a wrong Mcp-Name and a wrong Mcp-Param-* before holding anything', async () => {
    const before = upstream.requests
    const wrongName = await rawPost(
      { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
      {
        jsonrpc: '2.0',
        id: 10,
        method: 'tools/call',
        params: { name: 'deploy', arguments: { region: 'eu', service: 'x' }, _meta: META },
      },
    )
    expect(wrongName.status).toBe(400)
    expect(((await wrongName.json()) as { error: unknown }).error).toMatchObject({
      code: -32020,
      data: { header: 'Mcp-Name', headerValue: 'echo', bodyValue: 'deploy' },
    })
    const wrongParam = await rawPost(
      {
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'deploy',
        'mcp-param-region': 'us',
      },
      {
        jsonrpc: '2.0',
        id: 11,
        method: 'tools/call',
        params: { name: 'deploy', arguments: { region: 'eu', service: 'x' }, _meta: META },
      },
    )
    expect(wrongParam.status).toBe(400)
    expect(((await wrongParam.json()) as { error: unknown }).error).toMatchObject({
      code: -32020,
      data: { header: 'Mcp-Param-Region', headerValue: 'us', bodyValue: 'eu' },
    })
    expect(upstream.requests).toBe(before)
    expect(await pending(bridge)).toEqual([])
  })

  it("passes the upstream's version-mismatch 400 through unchanged", async () => {
    const response = await rawPost(
      { 'mcp-protocol-version': '1900-01-01', 'mcp-method': 'tools/list' },
      {
        jsonrpc: '2.0',
        id: 12,
        method: 'tools/list',
        params: { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '1900-01-01' } },
      },
    )
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 12,
      error: {
        code: -32022,
        message: 'Unsupported protocol version: 1900-01-01',
        data: { supported: [MODERN], requested: '1900-01-01' },
      },
    })
  })

  it('sends progress while a modern call waits, when the client asked for it', async () => {
    const progress: string[] = []
    const call = client.callTool(
      { name: 'deploy', arguments: { region: 'ap', service: 'web' } },
      {
        onprogress: (update: { message?: string | undefined }) =>
          progress.push(update.message ?? ''),
      },
    )
    const [held] = await waitForPending(bridge, 1)
    await expect.poll(() => progress.length).toBeGreaterThan(0)
    expect(progress[0]).toMatch(
      /Waiting for a person to approve this call at http:\/\/localhost:\d+\/approvals/,
    )
    await decide(bridge, held!.id, 'approve')
    expect(((await call) as ToolResult).content[0]?.text).toBe('deployed web to ap')
  })

  it('approves a call once across its input_required rounds', async () => {
    const runs = upstream.toolRuns.filter((tool) => tool === 'transfer').length
    const call = client.callTool({ name: 'transfer', arguments: { amount: 10 } })
    const [held] = await waitForPending(bridge, 1)
    expect(held).toMatchObject({ tool: 'transfer', arguments: { amount: 10 } })
    await decide(bridge, held!.id, 'approve')
    // Two more rounds (requestState step-1, then step-2) pass without a card: otherwise this waits.
    expect(((await call) as ToolResult).content[0]?.text).toBe('transferred 10')
    expect(upstream.toolRuns.filter((tool) => tool === 'transfer').length).toBe(runs + 3)
    expect(await pending(bridge)).toEqual([])
  })

  it('holds a retry again when its arguments changed or its requestState was never issued', async () => {
    const headers = {
      'mcp-protocol-version': MODERN,
      'mcp-method': 'tools/call',
      'mcp-name': 'transfer',
    }
    const ASKS_INPUT_META = {
      ...META,
      'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
    }
    const transfer = (id: string, amount: number, requestState?: string) =>
      rawPost(headers, {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: {
          name: 'transfer',
          arguments: { amount },
          ...(requestState
            ? {
                requestState,
                inputResponses: { first: { action: 'accept', content: { ok: true } } },
              }
            : {}),
          _meta: ASKS_INPUT_META,
        },
      })
    const first = transfer('t1', 5)
    const [held] = await waitForPending(bridge, 1)
    await decide(bridge, held!.id, 'approve')
    expect(await (await first).text()).toContain('"requestState":"step-1"')

    const widened = transfer('t2', 500, 'step-1')
    const [again] = await waitForPending(bridge, 1)
    expect(again).toMatchObject({ tool: 'transfer', arguments: { amount: 500 } })
    await decide(bridge, again!.id, 'deny')
    expect(await (await widened).text()).toMatch(/denied by the user/)

    const invented = transfer('t3', 5, 'step-2')
    const [guessed] = await waitForPending(bridge, 1)
    expect(guessed).toMatchObject({ tool: 'transfer', arguments: { amount: 5 } })
    await decide(bridge, guessed!.id, 'deny')
    await (await invented).text()

    // The real continuation still passes, once.
    expect(await (await transfer('t4', 5, 'step-1')).text()).toContain('"requestState":"step-2"')
    expect(await pending(bridge)).toEqual([])
  })

  it('takes a held call off the page when the client closes its stream (the 2026-07-28 cancel)', async () => {
    const abort = new AbortController()
    const call = client
      .callTool(
        { name: 'deploy', arguments: { region: 'sa', service: 'gone' } },
        { signal: abort.signal },
      )
      .catch(() => 'aborted')
    await waitForPending(bridge, 1)
    abort.abort()
    expect(await call).toBe('aborted')
    await expect.poll(async () => (await pending(bridge)).length).toBe(0)
    // The same with a progress stream open, closed from the raw side.
    const response = await rawPost(
      {
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'deploy',
        'mcp-param-region': 'sa',
      },
      {
        jsonrpc: '2.0',
        id: 13,
        method: 'tools/call',
        params: {
          name: 'deploy',
          arguments: { region: 'sa', service: 'gone' },
          _meta: { ...META, progressToken: 'p13' },
        },
      },
    )
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    await waitForPending(bridge, 1)
    await response.body?.cancel()
    await expect.poll(async () => (await pending(bridge)).length).toBe(0)
    expect(upstream.toolRuns.filter((tool) => tool === 'deploy').length).toBe(2) // the two approved above only
  })
})
