// Refresh behaviour against a real authorization server with refresh-token rotation: one refresh
// for many concurrent callers (in one process and across processes), the rotated refresh token
// saved, a 401 from upstream answered by refresh-and-retry, and a refused refresh turned into
// "log in again".
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolvePaths } from '../../src/config/paths.js'
import { readConfig } from '../../src/config/store.js'
import { createTokenRefresh } from '../../src/oauth/refresh.js'
import { TokenManager } from '../../src/tokens/manager.js'
import { EncryptedFileTokenStore } from '../../src/tokens/encrypted-file-store.js'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'

describe('token lifecycle', () => {
  let fixture: OAuthFixture
  let env: NodeJS.ProcessEnv
  let store: EncryptedFileTokenStore
  let paths: ReturnType<typeof resolvePaths>
  const bridges: RunningCli[] = []

  beforeEach(async () => {
    fixture = await startOAuthFixture({ refreshTokenRotation: true })
    const home = await makeHome()
    env = cliEnv(home)
    paths = resolvePaths(env)
    store = new EncryptedFileTokenStore(paths)
    const add = await runCli(['add', 'demo', fixture.mcpUrl, '--policy', 'allow'], env)
    expect(add.code, add.stderr).toBe(0)
  })
  afterEach(async () => {
    await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()))
    await fixture.close()
  })

  /** Makes the stored token look expired to us; the server still honours it, so only a refresh can tell. */
  async function expireLocally(): Promise<string | undefined> {
    const secrets = await store.update('demo', (current) => ({
      ...current,
      tokens: {
        ...current.tokens!,
        obtained_at: Date.now() - 3_600_000,
        expires_at: Date.now() - 1_000,
      },
    }))
    return secrets?.tokens?.refresh_token
  }

  function manager(): TokenManager {
    return new TokenManager({
      store,
      refresh: createTokenRefresh(),
      lookupServer: async (name) => (await readConfig(paths)).servers[name]!,
    })
  }

  it('20 concurrent callers on an expired token cause exactly one refresh, and the rotated refresh token is saved', async () => {
    const oldRefresh = await expireLocally()
    const before = fixture.stats.refreshGrants
    // One manager, as in a running bridge: the callers share one in-flight refresh.
    const shared = manager()
    const tokens = await Promise.all(Array.from({ length: 20 }, () => shared.accessToken('demo')))
    expect(fixture.stats.refreshGrants).toBe(before + 1)
    expect(new Set(tokens).size).toBe(1)
    const saved = (await store.get('demo'))?.tokens
    expect(saved?.access_token).toBe(tokens[0])
    expect(saved?.refresh_token).toBeDefined()
    expect(saved?.refresh_token).not.toBe(oldRefresh)
    // The saved refresh token is the live one: the next refresh succeeds with it.
    await expireLocally()
    await manager().accessToken('demo')
    expect(fixture.stats.refreshGrants).toBe(before + 2)
  })

  it('concurrent `token` processes share one refresh through the file lock', async () => {
    await expireLocally()
    const before = fixture.stats.refreshGrants
    const results = await Promise.all(
      Array.from({ length: 5 }, () => runCli(['token', 'demo'], env)),
    )
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    expect(new Set(results.map((result) => result.stdout.trim())).size).toBe(1)
    expect(fixture.stats.refreshGrants).toBe(before + 1)
  })

  it('a 401 from upstream makes the bridge refresh once and retry the same request', async () => {
    const bridge = await startBridgeProcess(env)
    bridges.push(bridge)
    // The server no longer honours the token we hold, though we think it is valid.
    await store.update('demo', (current) => ({
      ...current,
      tokens: {
        ...current.tokens!,
        access_token: 'revoked-by-the-server',
        expires_at: Date.now() + 3_600_000,
      },
    }))
    const before = fixture.stats.refreshGrants
    const unauthorizedBefore = fixture.stats.mcpUnauthorized
    const client = new Client({ name: 'e2e', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/demo`)))
    const result = (await client.callTool({ name: 'echo', arguments: { text: 'retried' } })) as {
      content: Array<{ text: string }>
    }
    expect(result.content[0]?.text).toBe('retried')
    expect(fixture.stats.refreshGrants).toBe(before + 1)
    expect(fixture.stats.mcpUnauthorized).toBe(unauthorizedBefore + 1)
    await client.close()
  })

  it('a refused refresh (revoked grant) tells the user to log in again, everywhere', async () => {
    const bridge = await startBridgeProcess(env)
    bridges.push(bridge)
    await fixture.revokeAllGrants()
    await expireLocally()

    const token = await runCli(['token', 'demo'], env)
    expect(token.code).toBe(1)
    expect(token.stderr).toMatch(
      /"demo" needs a new login: the server refused to refresh the token \(invalid_grant/,
    )
    expect(token.stderr).toContain('Run `mcp-oauth-bridge login demo`')

    const list = JSON.parse((await runCli(['list', '--json'], env)).stdout)
    expect(list[0]).toMatchObject({ state: 'login-required' })

    const response = await fetch(`${bridge.url}/mcp/demo`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      }),
    })
    const body = (await response.json()) as { id: number; error: { message: string } }
    expect(body.id).toBe(7)
    expect(body.error.message).toMatch(/needs a new login[\s\S]*mcp-oauth-bridge login demo/)

    // `login` recovers without touching the config.
    const login = await runCli(['login', 'demo'], env)
    expect(login.code, login.stderr).toBe(0)
    expect((await runCli(['token', 'demo'], env)).code).toBe(0)
  })
})
