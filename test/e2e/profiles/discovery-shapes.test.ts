// Profiles 1-4 (real-servers.md §5): where the metadata lives and how the 401 is worded. For each,
// the exact discovery path the CLI takes is asserted from the server's request log, then the
// server is served by `start`, a refresh goes through the profile's rotation, and `logout` cleans up.

import { pickFreePort } from '../../../src/oauth/loopback.js'
import { describe, expect, it } from 'vitest'
import {
  added,
  callText,
  expectClearFailure,
  expireLocally,
  home,
  loggedOut,
  profile,
  servedThroughBridge,
} from './helpers.js'

describe('1. cf-workers-like (Linear, Notion, Sentry, Cloudflare, Asana v1, Square, Wix, Webflow, Canva)', () => {
  it('discovers through the path-inserted PRM, registers a public client, logs in, serves, refreshes with grace rotation, revokes at the token endpoint', async () => {
    const server = await profile('cf-workers-like')
    const user = await home()
    await added(user, 'linear', server.url)
    expect(server.log.discovery()).toEqual([
      'mcp /.well-known/oauth-protected-resource/mcp 200',
      'mcp /.well-known/oauth-authorization-server 200',
    ])
    const [registration] = server.as!.stats.registrations
    expect(registration?.body).toMatchObject({
      token_endpoint_auth_method: 'none',
      redirect_uris: [expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)],
    })
    const [authorization] = server.as!.stats.authorizations
    expect(authorization).toMatchObject({
      resource: `${server.origins.mcp!.origin}/mcp`,
      scope: 'read write',
      outcome: 'ok',
    })

    const { client } = await servedThroughBridge(user, 'linear')
    const firstRefresh = (await user.store.get('linear'))?.tokens?.refresh_token
    await expireLocally(user, 'linear')
    expect(await callText(client, 'whoami')).toBe('alice')
    const refreshes = server.as!.stats.tokenRequests.filter(
      (request) => request.grantType === 'refresh_token',
    )
    expect(refreshes).toEqual([
      expect.objectContaining({
        status: 200,
        resource: `${server.origins.mcp!.origin}/mcp`,
        clientAuth: 'none',
      }),
    ])
    expect((await user.store.get('linear'))?.tokens?.refresh_token).not.toBe(firstRefresh)

    const logout = await loggedOut(user, 'linear')
    expect(logout.stderr).toContain('Revoked the tokens')
    expect(server.as!.stats.revocations).toBe(2)
  })

  it('with client ID metadata documents on: --client-metadata-url is used instead of registration', async () => {
    const port = await pickFreePort()
    const documentUrl = 'https://client.example.com/mcp-oauth-bridge.json'
    const documents = new Map<string, unknown>([
      [
        documentUrl,
        {
          client_id: documentUrl,
          client_name: 'mcp-oauth-bridge',
          redirect_uris: [`http://127.0.0.1:${port}/callback`],
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'none',
        },
      ],
    ])
    const server = await profile('cf-workers-like', { cimd: true, cimdDocuments: documents })
    const user = await home()
    const add = await added(user, 'notion', server.url, [
      '--client-metadata-url',
      documentUrl,
      '--callback-port',
      String(port),
    ])
    expect(add.stderr).toContain(`Using the client ID metadata document ${documentUrl}`)
    expect(server.log.count('mcp', 'POST', '/register')).toBe(0)
    // The first login with a document we did not write checks the request before the browser goes (then the browser's own).
    expect(server.as!.stats.authorizations.map((entry) => [entry.clientId, entry.outcome])).toEqual(
      [
        [documentUrl, 'ok'],
        [documentUrl, 'ok'],
      ],
    )
    const { client } = await servedThroughBridge(user, 'notion')
    await expireLocally(user, 'notion')
    expect(await callText(client, 'whoami')).toBe('alice')
  })

  it('a registered client that expired (90-day DCR expiry): the refresh says "log in again", and `login` registers a new client', async () => {
    const server = await profile('cf-workers-like')
    const user = await home({ MCP_OAUTH_BRIDGE_LOGIN_TIMEOUT_SECONDS: '15' })
    await added(user, 'sentry', server.url)
    const oldClient = (await user.store.get('sentry'))?.client?.client_id
    server.as!.expireRegisteredClients()
    await expireLocally(user, 'sentry')
    const token = await user.run(['token', 'sentry'])
    expectClearFailure(
      token,
      /"sentry" needs a new login: the server refused to refresh the token \(invalid_client[\s\S]*mcp-oauth-bridge login sentry/,
    )
    const login = await user.run(['login', 'sentry'])
    expect(login.code, login.stderr).toBe(0)
    expect(login.stderr).toContain('Registering a client')
    expect((await user.store.get('sentry'))?.client?.client_id).not.toBe(oldClient)
    await servedThroughBridge(user, 'sentry')
  })
})

describe('2. stripe-like (Stripe)', () => {
  it.each([
    ['unquoted', false],
    ['quoted', true],
  ] as const)(
    'resource_metadata %s: root PRM, path-inserted metadata on a second origin, resource without a trailing slash on every leg',
    async (_label, quoted) => {
      const server = await profile('stripe-like', { challengeStyle: { quoted } })
      const user = await home()
      await added(user, 'stripe', server.url)
      const mcp = server.origins.mcp!.origin
      expect(server.log.discovery()).toEqual([
        'mcp /.well-known/oauth-protected-resource 200',
        'as /.well-known/oauth-authorization-server/mcp 200',
      ])
      expect(server.as!.stats.registrations[0]?.body).toMatchObject({
        token_endpoint_auth_method: 'none',
      })
      expect(server.as!.stats.authorizations).toEqual([
        expect.objectContaining({ resource: mcp, outcome: 'ok' }),
      ])
      expect(server.as!.stats.tokenRequests[0]).toMatchObject({
        grantType: 'authorization_code',
        resource: mcp,
        status: 200,
      })

      const { client } = await servedThroughBridge(user, 'stripe')
      await expireLocally(user, 'stripe')
      expect(await callText(client, 'whoami')).toBe('alice')
      // Stripe matches the resource exactly: `https://mcp.stripe.com`, never with a "/" appended.
      expect(
        server.as!.stats.tokenRequests.filter((request) => request.grantType === 'refresh_token'),
      ).toEqual([expect.objectContaining({ resource: mcp, status: 200 })])
      await loggedOut(user, 'stripe')
      expect(server.log.count('as', 'POST', '/mcp/oauth2/revoke')).toBe(2)
    },
  )

  it('a restricted API key as a static header: added without OAuth, served with the key', async () => {
    const server = await profile('stripe-like')
    const user = await home()
    const add = await added(user, 'stripe-key', server.url, [
      '--header',
      `Authorization: Bearer ${server.staticToken}`,
    ])
    expect(add.stderr).toContain('accepted the request with the given headers')
    expect(server.log.discovery()).toEqual([])
    await servedThroughBridge(user, 'stripe-key')
    expect(server.as!.stats.tokenRequests).toEqual([])
  })
})

describe('3. github-like (GitHub remote MCP, OAuth Apps and GitHub Apps)', () => {
  it('no dynamic registration: add says which redirect URI to register and which flags to pass, and registers nothing', async () => {
    const server = await profile('github-like')
    const user = await home()
    const port = await pickFreePort()
    const add = await user.run(['add', 'github', server.url, '--callback-port', String(port)])
    expectClearFailure(add, /does not offer dynamic client registration/)
    expect(add.stderr).toContain(`redirect URI http://127.0.0.1:${port}/callback`)
    expect(add.stderr).toContain(
      `mcp-oauth-bridge add github ${server.url} --client-id <ID> [--client-secret <SECRET>] --callback-port ${port}`,
    )
    expect(server.log.discovery()).toEqual([
      'mcp /.well-known/oauth-protected-resource/mcp/ 200',
      'as /.well-known/oauth-authorization-server/login/oauth 200',
    ])
    expect(server.log.lines((entry) => entry.method === 'POST' && entry.host === 'as')).toEqual([])
    expect((await user.config()).servers.github).toBeUndefined()
  })

  it.each([
    ['an OAuth App (tokens never expire, no refresh token)', 'oauth-app', false],
    ['a GitHub App (8 h tokens, strict rotation)', 'github-app', false],
    ['a token endpoint that answers form-encoded whatever Accept says', 'oauth-app', true],
  ] as const)(
    'with %s: --client-id/--client-secret log in; JSON asked of the token endpoint; served; logout forgets',
    async (_label, githubMode, formAlways) => {
      const server = await profile('github-like', { githubMode, formAlways })
      const user = await home()
      const { clientId, clientSecret } = server.preRegistered!
      await added(user, 'github', server.url, [
        '--client-id',
        clientId,
        '--client-secret',
        clientSecret!,
      ])
      const exchange = server.log.find('as', 'POST', '/login/oauth/access_token')[0]
      expect(exchange?.accept).toContain('application/json')
      const [authorization] = server.as!.stats.authorizations
      expect(authorization?.scope?.split(' ')).toEqual(
        expect.arrayContaining(['repo', 'read:org', 'gist', 'notifications']),
      )
      const stored = (await user.store.get('github'))?.tokens
      if (githubMode === 'oauth-app') {
        expect(stored?.expires_at).toBeUndefined()
        expect(stored?.refresh_token).toBeUndefined()
      }
      const { client } = await servedThroughBridge(user, 'github')
      if (githubMode === 'github-app') {
        for (let round = 0; round < 2; round += 1) {
          await expireLocally(user, 'github')
          expect(await callText(client, 'whoami')).toBe('alice')
        }
        expect(
          server
            .as!.stats.tokenRequests.filter((request) => request.grantType === 'refresh_token')
            .map((request) => request.status),
        ).toEqual([200, 200])
        expect(server.as!.stats.reuseDetected).toBe(0)
      }
      const logout = await loggedOut(user, 'github')
      expect(logout.stderr).toContain('offers no token revocation')
    },
  )

  it('a personal access token as a static header works without OAuth', async () => {
    const server = await profile('github-like')
    const user = await home()
    await added(user, 'github-pat', server.url, [
      '--header',
      `Authorization: Bearer ${server.staticToken}`,
    ])
    await servedThroughBridge(user, 'github-pat')
  })
})

describe('4. legacy-2025-03-26 (Intercom, Atlassian v1, early PayPal/monday/HubSpot)', () => {
  it.each([
    ['no resource metadata, metadata at the MCP origin', 'plain'],
    [
      'an issuer that differs from the metadata URL (RFC 8414 §3.3, Atlassian v1)',
      'issuer-mismatch',
    ],
    ['a bare-URL WWW-Authenticate (HubSpot 2025)', 'bare-url-challenge'],
  ] as const)(
    '%s: discovered, logged in without a resource indicator, served, refreshed, revoked',
    async (_label, legacy) => {
      const server = await profile('legacy-2025-03-26', { legacy })
      const user = await home()
      await added(user, 'intercom', server.url)
      // (The SDK looks for resource metadata again at each of its steps; the same two 404s.)
      expect([...new Set(server.log.discovery())]).toEqual([
        'mcp /.well-known/oauth-protected-resource/mcp 404',
        'mcp /.well-known/oauth-protected-resource 404',
        'mcp /.well-known/oauth-authorization-server 200',
      ])
      expect(server.as!.stats.authorizations).toEqual([
        expect.objectContaining({ resource: undefined, outcome: 'ok' }),
      ])
      const { client } = await servedThroughBridge(user, 'intercom')
      await expireLocally(user, 'intercom')
      expect(await callText(client, 'whoami')).toBe('alice')
      const logout = await loggedOut(user, 'intercom')
      expect(logout.stderr).toContain('Revoked the tokens')
    },
  )

  it('no metadata at all: the default /authorize, /token and /register of the MCP origin', async () => {
    const server = await profile('legacy-2025-03-26', { legacy: 'no-metadata' })
    const user = await home()
    const add = await added(user, 'paypal', server.url)
    expect(add.stderr).toContain('using the default endpoints')
    const lines = server.log
      .lines((entry) => entry.method === 'POST' || entry.path === '/authorize')
      .map((line) => line.replace(/\?.*/, ''))
    expect(lines.slice(0, 5)).toEqual([
      'mcp POST /mcp',
      'mcp POST /register',
      'mcp GET /authorize',
      'mcp POST /consent',
      'mcp POST /token',
    ])
    // With the token, `add` asks again which transport and era the server speaks: MCP requests only.
    expect(lines.length).toBeGreaterThan(5)
    expect(lines.slice(5).every((line) => line === 'mcp POST /mcp')).toBe(true)
    const { client } = await servedThroughBridge(user, 'paypal')
    await expireLocally(user, 'paypal')
    expect(await callText(client, 'whoami')).toBe('alice')
    const logout = await loggedOut(user, 'paypal')
    expect(logout.stderr).toContain('offers no token revocation')
  })
})
