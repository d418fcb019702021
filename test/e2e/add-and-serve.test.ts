// The core promise, end to end: `add` logs in to a real OAuth-protected MCP server (oidc-provider
// + the SDK's server) through a scripted browser, `start` serves it with the token injected, and
// an SDK client calls its tools before and after the token expires. The fixture's tokens live an
// hour at the server; where a token must expire, the test announces a 2 s lifetime to the bridge
// (its own clock then reaches the expiry, nothing racing it) and ends the old token at the server
// once that time has passed, so a token used after its expiry would be refused.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url)))
  return client
}

function text(result: unknown): string {
  return ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text
}

describe('add, then start, then call tools', () => {
  let fixture: OAuthFixture
  let home: string
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli | undefined

  beforeAll(async () => {
    fixture = await startOAuthFixture()
    home = await makeHome()
    env = cliEnv(home)
  })
  afterAll(async () => {
    await bridge?.stop()
    await fixture.close()
  })

  it('adds the server through discovery, registration and a browser login', async () => {
    expect((await runCli(['init'], env)).code).toBe(0)
    const add = await runCli(['add', 'demo', fixture.mcpUrl], env)
    expect(add.stderr).toContain('Discovering the authorization server')
    expect(add.stderr).toContain(`Authorization server: ${fixture.issuer}`)
    expect(add.stderr).toContain('Registering a client')
    expect(add.stderr).toContain('"demo" is ready')
    expect(add.code).toBe(0)
    expect(fixture.stats.authorizationCodeGrants).toBe(1)

    const config = JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))
    expect(config.servers.demo).toMatchObject({ url: fixture.mcpUrl, auth: 'oauth' })
    // The loopback port the login used is kept: it is part of the registered redirect URI.
    expect(config.servers.demo.callbackPort).toEqual(expect.any(Number))
    const stored = await readFile(join(home, 'tokens.json'), 'utf8')
    expect(stored).not.toMatch(/access_token|refresh_token/)
  })

  it('lists the server with its token state', async () => {
    const list = await runCli(['list', '--json'], env)
    const [row] = JSON.parse(list.stdout)
    expect(row).toMatchObject({ name: 'demo', state: 'ready', policy: 'ask' })
  })

  it('serves the server: tools work through the bridge with policy allow', async () => {
    expect((await runCli(['policy', 'demo', 'allow'], env)).code).toBe(0)
    bridge = await startBridgeProcess(env)
    const client = await connect(`${bridge.url}/mcp/demo`)
    const tools = await client.listTools()
    expect(tools.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['echo', 'add', 'whoami']),
    )
    expect(text(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5')
    await client.close()
  })

  it('keeps working after the access token expires (refreshed ahead of expiry)', async () => {
    const client = await connect(`${bridge!.url}/mcp/demo`)
    // The bridge swaps the login's hour-long token for one said to live 2 s: the server refuses
    // the old one, and the bridge refreshes after that rejection.
    fixture.announceExpiresIn(2)
    await fixture.expireAccessTokens()
    expect(
      text(await client.callTool({ name: 'echo', arguments: { text: 'short-lived token' } })),
    ).toBe('short-lived token')
    await new Promise((resolveWait) => setTimeout(resolveWait, 2_200)) // the announced lifetime
    await fixture.expireAccessTokens()
    const refreshesBefore = fixture.stats.refreshGrants
    const refusalsBefore = fixture.stats.mcpUnauthorized
    expect(text(await client.callTool({ name: 'echo', arguments: { text: 'after expiry' } }))).toBe(
      'after expiry',
    )
    expect(fixture.stats.refreshGrants).toBe(refreshesBefore + 1)
    // Ahead of expiry: the expired token never reached the server.
    expect(fixture.stats.mcpUnauthorized).toBe(refusalsBefore)
    await client.close()
  })

  it('answers a denied tool by policy without reaching the server', async () => {
    const reloaded = bridge!.waitForOutput(/config\.json changed: reloaded/)
    expect((await runCli(['policy', 'demo', 'add', 'deny'], env)).code).toBe(0)
    await reloaded
    const client = await connect(`${bridge!.url}/mcp/demo`)
    const calls = fixture.stats.toolCalls
    const result = (await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })) as {
      isError?: boolean
      content: Array<{ text: string }>
    }
    expect(result.isError).toBe(true)
    expect(result.content[0]?.text).toMatch(/denied by policy/)
    expect(fixture.stats.toolCalls).toBe(calls)
    await client.close()
  })

  it('prints a fresh token with `token` after expiry', async () => {
    // The stored token was announced with 2 s; its refresh gets the real hour, so the token printed
    // is still good when the test uses it.
    fixture.announceExpiresIn(undefined)
    await new Promise((resolveWait) => setTimeout(resolveWait, 2_200)) // the announced lifetime
    await fixture.expireAccessTokens()
    const token = await runCli(['token', 'demo'], env)
    expect(token.code).toBe(0)
    const response = await fetch(fixture.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token.stdout.trim()}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      }),
    })
    expect(response.status).toBe(200)
    await response.body?.cancel()
  })

  it('logout revokes the tokens at the server and forgets them', async () => {
    const revocations = fixture.stats.revocations
    const logout = await runCli(['logout', 'demo'], env)
    expect(logout.code).toBe(0)
    expect(logout.stderr).toContain('Revoked the tokens')
    expect(fixture.stats.revocations).toBeGreaterThan(revocations)
    const token = await runCli(['token', 'demo'], env)
    expect(token.code).toBe(1)
    expect(token.stderr).toMatch(
      /needs a new login: it has no token \(never logged in, or logged out\)[\s\S]*mcp-oauth-bridge login demo/,
    )
  })
})
