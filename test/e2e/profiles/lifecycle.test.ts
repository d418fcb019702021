// Profiles 10-12 (real-servers.md §5): what happens after the login. Every refresh-token rotation
// scheme, concurrent requests through `start` against strict reuse detection, tokens bound to
// their client, revocation at the server, the end of a grant; servers that need no login at all;
// and the older HTTP+SSE endpoint URLs people still paste.

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pickFreePort } from '../../../src/oauth/loopback.js'
import type { RefreshMode } from '../../fixtures/profiles/auth-server.js'
import { cliEnv, runCli } from '../cli-process.js'
import {
  added,
  bridge,
  callText,
  connect,
  expectClearFailure,
  expireLocally,
  home,
  loggedOut,
  profile,
  servedThroughBridge,
} from './helpers.js'

const refreshes = (server: {
  as?: { stats: { tokenRequests: Array<{ grantType: string; status: number }> } }
}) => server.as!.stats.tokenRequests.filter((request) => request.grantType === 'refresh_token')

describe('11. token-lifecycle (Notion, Neon, Cloudflare workers, GitHub Apps, activepieces-style servers)', () => {
  it.each([
    ['rotate-with-grace (workers-oauth-provider)', 'rotate-grace', 'rotates'],
    ['strict rotation with reuse detection (Notion)', 'rotate-strict', 'rotates'],
    ['no rotation: the response has no refresh_token', 'none', 'kept'],
    ['echo: the same refresh token comes back', 'echo', 'kept'],
  ] as const)(
    '%s: three refreshes through `start`, the stored refresh token is always the live one',
    async (_label, refresh: RefreshMode, expected) => {
      const server = await profile('token-lifecycle', { refresh })
      const user = await home()
      await added(user, 'notion', server.url)
      const { client } = await servedThroughBridge(user, 'notion')
      const seen = [(await user.store.get('notion'))?.tokens?.refresh_token]
      for (let round = 0; round < 3; round += 1) {
        await expireLocally(user, 'notion')
        expect(await callText(client, 'echo', { text: `round ${round}` })).toBe(`round ${round}`)
        seen.push((await user.store.get('notion'))?.tokens?.refresh_token)
      }
      expect(refreshes(server).map((request) => request.status)).toEqual([200, 200, 200])
      expect(server.as!.stats.reuseDetected).toBe(0)
      expect(seen.every((token) => typeof token === 'string')).toBe(true)
      expect(new Set(seen).size).toBe(expected === 'rotates' ? 4 : 1)
      await loggedOut(user, 'notion')
    },
  )

  it('strict rotation, 20 concurrent tool calls through `start` on an expired token: one refresh, no reuse detected', async () => {
    const server = await profile('token-lifecycle', { refresh: 'rotate-strict' })
    const user = await home()
    await added(user, 'notion', server.url)
    await expireLocally(user, 'notion')
    const running = await bridge(user)
    const client = await connect(`${running.url}/mcp/notion`)
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => callText(client, 'echo', { text: `call ${index}` })),
    )
    expect(answers).toEqual(Array.from({ length: 20 }, (_, index) => `call ${index}`))
    expect(refreshes(server)).toHaveLength(1)
    expect(server.as!.stats.reuseDetected).toBe(0)
  })

  it('strict rotation, 20 concurrent tool calls when the server expires the token the bridge still holds: every 401 waits for the same single refresh', async () => {
    const server = await profile('token-lifecycle', { refresh: 'rotate-strict' })
    const user = await home()
    await added(user, 'notion', server.url)
    const { client } = await servedThroughBridge(user, 'notion')
    server.as!.expireAccessTokens()
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => callText(client, 'echo', { text: `call ${index}` })),
    )
    expect(answers).toHaveLength(20)
    expect(refreshes(server)).toHaveLength(1)
    expect(server.as!.stats.reuseDetected).toBe(0)
  })

  it('refresh tokens bound to their client: a login abandoned after registering a new client keeps the old client, so refreshing still works', async () => {
    const server = await profile('token-lifecycle', {
      refresh: 'rotate-strict',
      clientBound: true,
      redirectMatch: 'exact',
    })
    const user = await home()
    await added(user, 'notion', server.url)
    const first = await user.store.get('notion')
    // The callback port changes (a new --callback-port), so the next login registers a new client;
    // the person then declines that login.
    const config = await user.config()
    config.servers.notion!.callbackPort = await pickFreePort()
    await writeFile(join(user.home, 'config.json'), JSON.stringify(config, null, 2))
    const deny = await runCli(['login', 'notion'], cliEnv(user.home, { FIXTURE_BROWSER_DENY: '1' }))
    expect(deny.code).toBe(1)
    expect(deny.stderr).toContain('access_denied')
    expect(server.as!.stats.registrations.length).toBeGreaterThanOrEqual(2)
    expect((await user.store.get('notion'))?.client?.client_id).toBe(first?.client?.client_id)
    await expireLocally(user, 'notion')
    const token = await user.run(['token', 'notion'])
    expect(token.code, token.stderr).toBe(0)
    expect(refreshes(server).at(-1)).toMatchObject({ status: 200 })
  })

  it('revoked by the person at the server: the running bridge answers "log in again", `login` recovers without a restart', async () => {
    const server = await profile('token-lifecycle')
    const user = await home()
    await added(user, 'neon', server.url)
    const { client } = await servedThroughBridge(user, 'neon')
    server.revokeAllGrants()
    const failure = await client
      .callTool({ name: 'echo', arguments: { text: 'after revocation' } })
      .then(
        (result) => (result as { content: Array<{ text?: string }> }).content[0]?.text ?? '',
        (error: Error) => error.message,
      )
    expect(failure).toMatch(
      /"neon" needs a new login: the server refused to refresh the token \(invalid_grant[\s\S]*mcp-oauth-bridge login neon/,
    )
    const login = await user.run(['login', 'neon'])
    expect(login.code, login.stderr).toBe(0)
    expect(await callText(client, 'echo', { text: 'back' })).toBe('back')
  })

  it('the grant reached its end (refresh token expired): invalid_grant becomes "log in again", not a retry loop', async () => {
    const server = await profile('token-lifecycle', { refreshTtlSeconds: 3600 })
    const user = await home()
    await added(user, 'neon', server.url)
    server.as!.expireRefreshTokens()
    await expireLocally(user, 'neon')
    const token = await user.run(['token', 'neon'])
    expectClearFailure(
      token,
      /"neon" needs a new login: the server refused to refresh the token \(invalid_grant/,
    )
    const again = await user.run(['token', 'neon'])
    expectClearFailure(again, /needs a new login/)
    expect(refreshes(server)).toHaveLength(1)
  })
})

describe('12. anonymous-optional-auth (Hugging Face, Cloudflare docs, Shopify UCP catalog, static keys)', () => {
  it.each([
    ['SSE answers', false],
    ['plain JSON answers', true],
  ] as const)(
    'anonymous initialize (%s): added as is, no discovery, no browser; the machine-only PRM is left alone',
    async (_label, jsonResponse) => {
      const server = await profile('anonymous-optional-auth', { jsonResponse })
      const user = await home()
      const add = await added(user, 'hf', server.url)
      expect(add.stderr).toContain('added as is')
      expect(server.log.discovery()).toEqual([])
      expect((await user.config()).servers.hf).toMatchObject({ auth: 'none' })
      const { client } = await servedThroughBridge(user, 'hf')
      expect(await callText(client, 'whoami')).toBe('anonymous')
    },
  )

  it('?login asks for OAuth: discovered from the challenge, logged in, served as the person', async () => {
    const server = await profile('anonymous-optional-auth')
    const user = await home()
    await added(user, 'hf', `${server.url}?login`)
    expect(server.log.discovery()[0]).toBe('mcp /.well-known/oauth-protected-resource/mcp 200')
    const { client } = await servedThroughBridge(user, 'hf')
    expect(await callText(client, 'whoami')).toBe('alice')
    await expireLocally(user, 'hf')
    expect(await callText(client, 'whoami')).toBe('alice')
    await loggedOut(user, 'hf')
  })

  it('a static token as a header: served with it', async () => {
    const server = await profile('anonymous-optional-auth')
    const user = await home()
    await added(user, 'hf-token', `${server.url}?login`, [
      '--header',
      `Authorization: Bearer ${server.staticToken}`,
    ])
    const { client } = await servedThroughBridge(user, 'hf-token')
    expect(await callText(client, 'whoami')).toBe('static-token')
  })
})

describe('10. sse-legacy (/sse URLs of Linear, Atlassian, Asana, Sentry, Notion, PayPal, Square, Wix, monday)', () => {
  it('an /sse-only server behind OAuth: add logs in and detects the older transport; `start` serves it', async () => {
    const server = await profile('sse-legacy', { sse: 'sse-only' })
    const user = await home()
    const add = await added(user, 'asana-v1', server.url)
    expect(add.stderr).toContain('older HTTP+SSE transport')
    expect((await user.config()).servers['asana-v1']).toMatchObject({
      auth: 'oauth',
      transport: 'sse',
    })
    const { client } = await servedThroughBridge(user, 'asana-v1')
    expect(await callText(client, 'whoami')).toBe('alice')
    const logout = await loggedOut(user, 'asana-v1')
    expect(logout.stderr).toContain('Revoked the tokens')
  })

  it('a server with both /sse and /mcp (Cloudflare): adding the /sse URL works', async () => {
    const server = await profile('sse-legacy', { sse: 'both' })
    const user = await home()
    await added(user, 'cloudflare', server.url)
    await servedThroughBridge(user, 'cloudflare')
  })

  it('a server whose metadata names only /mcp: adding /sse fails, pointing at the /mcp URL', async () => {
    const server = await profile('sse-legacy', { sse: 'both', ssePrm: 'mcp-only' })
    const user = await home()
    const add = await user.run(['add', 'cloudflare', server.url])
    const mcp = `${server.origins.mcp!.origin}/mcp`
    expectClearFailure(add, /publishes metadata for a different resource/)
    expect(add.stderr).toContain(`different resource, "${mcp}"; refusing to authorize.`)
    expect(add.stderr).toContain(`If ${mcp} is the MCP endpoint you meant, add that URL instead`)
    await added(user, 'cloudflare', mcp)
  })

  it("a retired /sse (Webflow): add refuses it with the server's own words, naming /mcp", async () => {
    const server = await profile('sse-legacy', { sse: 'retired' })
    const user = await home()
    const add = await user.run(['add', 'webflow', server.url])
    expect(add.code).toBe(1)
    expect(add.stderr).toContain('does not answer as an MCP server: HTTP 410')
    expect(add.stderr).toContain(
      `SSE is no longer supported. use ${server.origins.mcp!.origin}/mcp`,
    )
    expect(add.stderr).toMatch(/Check the URL/)
  })
})
