// The switches every profile has (real-servers.md §5, "Cross-cutting"): loopback redirect matching
// (exact or any port; localhost or 127.0.0.1), plain PKCE advertised or not, the challenge's
// formatting, hosted redirect allowlists, and the shapes error bodies come in.

import { describe, expect, it } from 'vitest'
import { pickFreePort } from '../../../src/oauth/loopback.js'
import type { ErrorShape } from '../../fixtures/profiles/harness.js'
import {
  added,
  callText,
  expectClearFailure,
  expireLocally,
  home,
  profile,
  servedThroughBridge,
} from './helpers.js'

const authorizeQueries = (
  server: { log: { entries: Array<{ path: string; search: string; method: string }> } },
  path = '/authorize',
) =>
  server.log.entries
    .filter((entry) => entry.method === 'GET' && entry.path === path)
    .map((entry) => new URLSearchParams(entry.search))

describe('loopback redirect URIs', () => {
  it('exact matching, port included: the port kept in config.json lets later logins reuse the registration', async () => {
    const server = await profile('cf-workers-like', { redirectMatch: 'exact' })
    const user = await home()
    await added(user, 'exact', server.url)
    const login = await user.run(['login', 'exact'])
    expect(login.code, login.stderr).toBe(0)
    expect(server.as!.stats.registrations).toHaveLength(1)
    const [first, second] = server.as!.stats.authorizations
    expect(second?.redirectUri).toBe(first?.redirectUri)
    await servedThroughBridge(user, 'exact')
  })

  it('a registration that refuses 127.0.0.1 (hermes-agent#29875): registered again with localhost, which later logins keep', async () => {
    const server = await profile('cf-workers-like', { registrationRefusesIpLiteral: true })
    const user = await home()
    const add = await added(user, 'localhost-only', server.url)
    expect(add.stderr).toMatch(
      /refused to register the redirect URI http:\/\/127\.0\.0\.1:\d+\/callback; trying http:\/\/localhost:\d+\/callback/,
    )
    expect(server.as!.stats.registrations.map((entry) => entry.status)).toEqual([400, 201])
    expect(server.as!.stats.authorizations[0]?.redirectUri).toMatch(
      /^http:\/\/localhost:\d+\/callback$/,
    )
    const login = await user.run(['login', 'localhost-only'])
    expect(login.code, login.stderr).toBe(0)
    expect(server.as!.stats.registrations).toHaveLength(2)
    await servedThroughBridge(user, 'localhost-only')
  })

  it('a hosted-redirect allowlist (Stripe, Square, Intercom, Canva) lets loopback through', async () => {
    const server = await profile('stripe-like', {
      redirectAllowlist: ['https://claude.ai/api/mcp/auth_callback'],
    })
    const user = await home()
    await added(user, 'stripe', server.url)
    await servedThroughBridge(user, 'stripe')
  })
})

describe('PKCE', () => {
  it.each([
    ['plain and S256 advertised (Notion, Square, Canva)', true],
    ['S256 only (Cloudflare)', false],
  ] as const)('%s: S256 is what is sent', async (_label, plainPkce) => {
    const server = await profile('cf-workers-like', { plainPkce })
    const user = await home()
    await added(user, 'pkce', server.url)
    const [query] = authorizeQueries(server)
    expect(query?.get('code_challenge_method')).toBe('S256')
    expect(query?.get('code_challenge')).toMatch(/^[\w-]{43}$/)
  })
})

describe('challenge formatting', () => {
  it.each([
    ['unquoted values, realm first', { quoted: false, realm: true }],
    ['quoted values, no realm', { quoted: true, realm: false }],
  ] as const)(
    '%s: the resource metadata URL is read from the header',
    async (_label, challengeStyle) => {
      const server = await profile('token-lifecycle', { challengeStyle })
      const user = await home()
      await added(user, 'styled', server.url)
      expect(server.log.discovery()[0]).toBe('mcp /.well-known/oauth-protected-resource/mcp 200')
      await servedThroughBridge(user, 'styled')
    },
  )
})

describe('error bodies', () => {
  it.each([
    [
      'OAuth JSON',
      'oauth',
      /needs a new login: the server refused to refresh the token \(invalid_grant: The refresh token is invalid, expired or revoked\)/,
    ],
    [
      '{"message"} with 422 (Supabase)',
      'message',
      /needs a new login: the server refused to refresh the token \(HTTP 422: "The refresh token is invalid, expired or revoked"\)/,
    ],
    [
      'plain text (GitHub, Canva)',
      'text',
      /needs a new login: the server refused to refresh the token \(HTTP 400: "invalid_grant: The refresh token is invalid, expired or revoked"\)/,
    ],
    [
      'an HTML 500 page (PayPal)',
      'html500',
      /Refreshing the token of "shapes" failed at http:\/\/127\.0\.0\.1:\d+\/token: HTTP 500: an HTML page\.[\s\S]*This may pass/,
    ],
  ] as const)(
    'a refused refresh answered with %s: the person reads what the server said and what to do',
    async (_label, errorShape: ErrorShape, pattern) => {
      const server = await profile('token-lifecycle', { errorShape })
      const user = await home()
      await added(user, 'shapes', server.url)
      server.revokeAllGrants()
      await expireLocally(user, 'shapes')
      const token = await user.run(['token', 'shapes'])
      expectClearFailure(token, pattern)
      expect(token.stderr).not.toContain('<')
    },
  )

  it('an authorization endpoint that answers with an HTML 500 page (PayPal, months of it): a client registered by hand hears it before the browser opens', async () => {
    const port = await pickFreePort()
    const server = await profile('preregistered-confidential', {
      confidentialMode: 'box',
      redirectHost: '127.0.0.1',
      callbackPort: port,
      errorShape: 'html500',
    })
    const user = await home()
    const { clientId, clientSecret } = server.preRegistered!
    // A client id the server does not know: its authorization endpoint answers 500, as PayPal's did.
    const add = await user.run([
      'add',
      'paypal',
      server.url,
      '--client-id',
      `${clientId}-typo`,
      '--client-secret',
      clientSecret!,
      '--callback-port',
      String(port),
    ])
    expectClearFailure(
      add,
      /refused to start a login for client "box-app-1205-typo" with the redirect URI http:\/\/127\.0\.0\.1:\d+\/callback or http:\/\/localhost:\d+\/callback: it said HTTP 500: an HTML page/,
    )
  })

  it('a token endpoint that answers 201 and registration responses without the auth method still log in (Supabase)', async () => {
    const server = await profile('supabase-like')
    const user = await home()
    await added(user, 'created', server.url)
    const { client } = await servedThroughBridge(user, 'created')
    await expireLocally(user, 'created')
    expect(await callText(client, 'whoami')).toBe('alice')
  })
})
