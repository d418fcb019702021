// The bridge under faults from either side: an upstream that is down, breaks off mid-stream or
// answers garbage, a token that expires mid-session, and a storm of 401s. It answers each with a
// plain JSON-RPC error or the upstream's own bytes, and keeps serving.
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterEach, describe, expect, it } from 'vitest'
import { resolvePaths } from '../../src/config/paths.js'
import { EncryptedFileTokenStore } from '../../src/tokens/store.js'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { startScriptedServer, type ScriptedServer } from '../fixtures/scripted-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'

const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function bridgeFor(url: string, extraAdd: string[] = []): Promise<{ bridge: RunningCli; env: NodeJS.ProcessEnv }> {
  const env = cliEnv(await makeHome())
  const add = await runCli(['add', 'up', url, '--policy', 'allow', ...extraAdd], env)
  expect(add.code, add.stderr).toBe(0)
  const bridge = await startBridgeProcess(env)
  cleanups.push(() => bridge.stop())
  return { bridge, env }
}

async function post(bridge: RunningCli, body = INITIALIZE): Promise<{ status: number; text: string }> {
  const response = await fetch(`${bridge.url}/mcp/up`, { method: 'POST', headers: MCP_HEADERS, body })
  return { status: response.status, text: await response.text() }
}

describe('upstream faults', () => {
  it('an upstream that went down gets a plain error, and the bridge keeps serving', async () => {
    const fixture = await startOAuthFixture({ requireAuth: false })
    const { bridge } = await bridgeFor(fixture.mcpUrl)
    await fixture.close()
    const down = await post(bridge)
    expect(down.status).toBe(200)
    expect(JSON.parse(down.text).error.message).toMatch(/cannot be reached: the connection was refused/)
    const again = await post(bridge)
    expect(JSON.parse(again.text).id).toBe(1)
  })

  it('a stream the upstream breaks off ends the client stream; the next request works', async () => {
    let calls = 0
    const server: ScriptedServer = await startScriptedServer({
      'POST /mcp': (_req, res) => {
        calls += 1
        if (calls === 1) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: 0, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 's', version: '1' } } }))
          return
        }
        if (calls === 2) {
          res.writeHead(200, { 'content-type': 'text/event-stream' })
          res.write('id: 1\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}\n\n')
          setImmediate(() => res.socket?.destroy())
          return
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}')
      },
    })
    cleanups.push(() => server.close())
    const { bridge } = await bridgeFor(`${server.origin}/mcp`)
    const broken = await fetch(`${bridge.url}/mcp/up`, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE })
    expect(broken.headers.get('content-type')).toBe('text/event-stream')
    // Read what arrived before the break; the body then ends with an error, as the upstream's did.
    let partial = ''
    const reader = broken.body!.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        partial += Buffer.from(value).toString()
      }
    } catch {
      // terminated, as expected
    }
    expect(partial).toContain('notifications/progress')
    const next = await post(bridge)
    expect(next.text).toBe('{"jsonrpc":"2.0","id":1,"result":{}}')
  })

  it('an upstream that answers with something that is not HTTP gets a plain error', async () => {
    let probes = 0
    const sockets = new Set<import('node:net').Socket>()
    const tcp = createTcpServer((socket) => {
      sockets.add(socket)
      probes += 1
      // The first connection is `add`'s probe: let it see a working server.
      if (probes === 1) socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}')
      else socket.end('garbage, not HTTP at all\r\n\r\n')
    })
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy()
      tcp.close(resolve)
    }))
    const { bridge } = await bridgeFor(`http://127.0.0.1:${(tcp.address() as AddressInfo).port}/mcp`)
    const answer = await post(bridge)
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text).error.message, answer.text).toMatch(/answered with something that is not HTTP/)
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
    expect(((await client.callTool({ name: 'echo', arguments: { text: 'a' } })) as { content: Array<{ text: string }> }).content[0]?.text).toBe('a')
    const refreshes = fixture.stats.refreshGrants
    await new Promise((resolve) => setTimeout(resolve, 2_100)) // the token's lifetime
    expect(((await client.callTool({ name: 'echo', arguments: { text: 'b' } })) as { content: Array<{ text: string }> }).content[0]?.text).toBe('b')
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
    await store.update('up', (current) => ({ ...current, tokens: { ...current.tokens!, access_token: 'no-longer-valid', expires_at: Date.now() + 3_600_000 } }))
    const bridge = await startBridgeProcess(env)
    cleanups.push(() => bridge.stop())
    const before = fixture.stats.refreshGrants
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(bridge)))
    for (const answer of answers) expect(answer.text).toContain('"serverInfo"')
    expect(fixture.stats.refreshGrants).toBe(before + 1)
  })
})
