// The bridge under faults from either side: an upstream that is down, breaks off mid-stream or
// answers garbage, a token that expires mid-session, and a storm of 401s. It answers each with a
// plain JSON-RPC error or the upstream's own bytes, and keeps serving.
import { readFile, writeFile } from 'node:fs/promises'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { resolvePaths } from '../../src/config/paths.js'
import { EncryptedFileTokenStore } from '../../src/tokens/encrypted-file-store.js'
import { startFaultyMcpServer, type FaultyMcpServer } from '../fixtures/faulty-mcp-server.js'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 't', version: '1' },
  },
})
const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
}

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function bridgeFor(
  url: string,
  extraAdd: string[] = [],
  afterAdd?: () => void,
): Promise<{ bridge: RunningCli; env: NodeJS.ProcessEnv }> {
  const env = cliEnv(await makeHome())
  const add = await runCli(['add', 'up', url, '--policy', 'allow', ...extraAdd], env)
  expect(add.code, add.stderr).toBe(0)
  afterAdd?.()
  const bridge = await startBridgeProcess(env)
  cleanups.push(() => bridge.stop())
  return { bridge, env }
}

async function post(
  bridge: RunningCli,
  body = INITIALIZE,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${bridge.url}/mcp/up`, {
    method: 'POST',
    headers: MCP_HEADERS,
    body,
  })
  return { status: response.status, text: await response.text() }
}

describe('upstream faults', () => {
  it('an upstream that went down gets a plain error, and the bridge keeps serving', async () => {
    const fixture = await startOAuthFixture({ requireAuth: false })
    const { bridge } = await bridgeFor(fixture.mcpUrl)
    await fixture.close()
    const down = await post(bridge)
    expect(down.status).toBe(200)
    expect(JSON.parse(down.text).error.message).toMatch(
      /cannot be reached: the connection was refused/,
    )
    const again = await post(bridge)
    expect(JSON.parse(again.text).id).toBe(1)
  })

  it('an upstream that answers with something that is not HTTP gets a plain error', async () => {
    let added = false
    const sockets = new Set<import('node:net').Socket>()
    const tcp = createTcpServer((socket) => {
      sockets.add(socket)
      // `add`'s probes (server/discover, then initialize) see a working server; the bridge does not.
      if (!added)
        socket.end(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}',
        )
      else socket.end('garbage, not HTTP at all\r\n\r\n')
    })
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
    cleanups.push(
      () =>
        new Promise((resolve) => {
          for (const socket of sockets) socket.destroy()
          tcp.close(resolve)
        }),
    )
    const { bridge } = await bridgeFor(
      `http://127.0.0.1:${(tcp.address() as AddressInfo).port}/mcp`,
      [],
      () => {
        added = true
      },
    )
    const answer = await post(bridge)
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text).error.message, answer.text).toMatch(
      /answered with something that is not HTTP/,
    )
  })
})

describe('upstream faults reach an MCP client as JSON-RPC errors for the request in flight', () => {
  let upstream: FaultyMcpServer
  let bridge: RunningCli
  let client: Client

  beforeAll(async () => {
    upstream = await startFaultyMcpServer()
    const env = cliEnv(await makeHome())
    const add = await runCli(['add', 'up', upstream.url, '--policy', 'allow'], env)
    expect(add.code, add.stderr).toBe(0)
    // A short limit, so the hung upstream is given up on quickly.
    const file = join(env.MCP_OAUTH_BRIDGE_HOME as string, 'config.json')
    await writeFile(
      file,
      JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), upstreamTimeoutSeconds: 1 }),
    )
    bridge = await startBridgeProcess(env)
    client = new Client({ name: 'fault-test', version: '1' })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/up`)))
  })
  afterAll(async () => {
    await client?.close()
    await bridge?.stop()
    await upstream?.close()
  })

  /** The JSON-RPC error the SDK client reports for a call of `tool`. */
  async function errorOf(tool: string): Promise<{ code: number; message: string }> {
    const error = await client.callTool({ name: tool, arguments: {} }).then(
      (result) => {
        throw new Error(`expected an error, got ${JSON.stringify(result)}`)
      },
      (failure: unknown) => failure as { code: number; message: string },
    )
    return { code: error.code, message: error.message }
  }

  async function echoWorks(): Promise<void> {
    const result = (await client.callTool({ name: 'echo', arguments: { text: 'still here' } })) as {
      content: Array<{ text: string }>
    }
    expect(result.content[0]?.text).toBe('still here')
  }

  it('an SSE answer broken off after one event ends with an error naming the server', async () => {
    const error = await errorOf('break')
    expect(error.code).toBe(-32000)
    expect(error.message).toMatch(
      /The upstream server "up" broke off its answer before answering this request \(the connection closed mid-answer\)\..*send the request again/,
    )
    await echoWorks()
  })

  it('an HTML 502 page becomes an error quoting the status and the start of the page', async () => {
    const error = await errorOf('html502')
    expect(error.code).toBe(-32000)
    expect(error.message).toContain(
      'The upstream server "up" answered HTTP 502 Bad Gateway: "<!DOCTYPE html> <html> <head><title>502 Bad Gateway</title></head>',
    )
    expect(error.message).toMatch(/not a JSON-RPC answer.*Try again later/)
    await echoWorks()
  })

  it('a plain-text 500 becomes an error quoting the body on one line', async () => {
    const error = await errorOf('text500')
    expect(error.message).toContain(
      'answered HTTP 500 Internal Server Error: "upstream exploded while handling the call"',
    )
    await echoWorks()
  })

  it('a hung upstream is given up on after upstreamTimeoutSeconds, with the setting named', async () => {
    const started = Date.now()
    const error = await errorOf('hang')
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(error.message).toMatch(
      /The upstream server "up" \(http:\/\/127\.0\.0\.1:\d+\/mcp\) did not start its answer within 1 s.*upstreamTimeoutSeconds in config\.json.*0 means no limit/,
    )
    await echoWorks()
  })

  it('an SSE answer that goes silent is ended after upstreamTimeoutSeconds with an error', async () => {
    const error = await errorOf('silent-sse')
    expect(error.code).toBe(-32000)
    expect(error.message).toMatch(
      /The upstream server "up" went silent for 1 s in the middle of its answer.*raise upstreamTimeoutSeconds/,
    )
    await echoWorks()
  })

  it('a JSON-RPC error the upstream sends with HTTP 500 passes through unchanged', async () => {
    const answer = await post(
      bridge,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: { name: 'rpc500', arguments: {} },
      }),
    )
    expect(answer.status).toBe(500)
    expect(answer.text).toBe(
      '{"jsonrpc":"2.0","id":5,"error":{"code":-32603,"message":"Internal error from the server itself"}}',
    )
  })

  it('a broken SSE batch answer: the answered id keeps its result, only the owed id gets an error', async () => {
    const batch = JSON.stringify([
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'seven' } },
      },
      { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'break', arguments: {} } },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } },
    ])
    const answer = await post(bridge, batch)
    expect(answer.status).toBe(200)
    const events = answer.text
      .split('\n\n')
      .filter(Boolean)
      .map((event) =>
        JSON.parse(
          event
            .split('\n')
            .find((line) => line.startsWith('data: '))!
            .slice(6),
        ),
      )
    expect(events.map((event) => event.id ?? event.method)).toEqual([
      7,
      'notifications/progress',
      8,
    ])
    expect(events[0].result.content[0].text).toBe('seven')
    expect(events[2].error.message).toMatch(/"up" broke off its answer/)
  })

  it('a non-JSON error answer to a batch gets one error per request id', async () => {
    const batch = await post(
      bridge,
      JSON.stringify([
        {
          jsonrpc: '2.0',
          id: 'a',
          method: 'tools/call',
          params: { name: 'text500', arguments: {} },
        },
        { jsonrpc: '2.0', id: 'b', method: 'ping' },
      ]),
    )
    expect(batch.status).toBe(200)
    const errors = JSON.parse(batch.text) as Array<{
      id: string
      error: { message: string; data: unknown }
    }>
    expect(errors.map((error) => error.id)).toEqual(['a', 'b'])
    for (const error of errors) {
      expect(error.error.message).toMatch(
        /answered HTTP 500 Internal Server Error: "upstream exploded/,
      )
      expect(error.error.data).toEqual({ server: 'up', httpStatus: 500 })
    }
    await echoWorks()
  })
})

describe('token faults', () => {
  let fixture: OAuthFixture

  it('a token that expires mid-session is refreshed without the session noticing', async () => {
    fixture = await startOAuthFixture({ accessTokenTtlSeconds: 2 })
    cleanups.push(() => fixture.close())
    const { bridge } = await bridgeFor(fixture.mcpUrl)
    const client = new Client({ name: 't', version: '1' })
    const transport = new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/up`))
    await client.connect(transport)
    const session = transport.sessionId
    expect(
      (
        (await client.callTool({ name: 'echo', arguments: { text: 'a' } })) as {
          content: Array<{ text: string }>
        }
      ).content[0]?.text,
    ).toBe('a')
    const refreshes = fixture.stats.refreshGrants
    await new Promise((resolve) => setTimeout(resolve, 2_100)) // the token's lifetime
    expect(
      (
        (await client.callTool({ name: 'echo', arguments: { text: 'b' } })) as {
          content: Array<{ text: string }>
        }
      ).content[0]?.text,
    ).toBe('b')
    expect(transport.sessionId).toBe(session)
    expect(fixture.stats.refreshGrants).toBe(refreshes + 1)
    await client.close()
  })

  it('a storm of 50 concurrent requests meeting a rejected token causes exactly one refresh', async () => {
    fixture = await startOAuthFixture()
    cleanups.push(() => fixture.close())
    const env = cliEnv(await makeHome())
    expect((await runCli(['add', 'up', fixture.mcpUrl, '--policy', 'allow'], env)).code).toBe(0)
    // The server stops honouring the token we hold, though we think it valid for an hour.
    const store = new EncryptedFileTokenStore(resolvePaths(env))
    await store.update('up', (current) => ({
      ...current,
      tokens: {
        ...current.tokens!,
        access_token: 'no-longer-valid',
        expires_at: Date.now() + 3_600_000,
      },
    }))
    const bridge = await startBridgeProcess(env)
    cleanups.push(() => bridge.stop())
    const before = fixture.stats.refreshGrants
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(bridge)))
    for (const answer of answers) expect(answer.text).toContain('"serverInfo"')
    expect(fixture.stats.refreshGrants).toBe(before + 1)
  })
})
