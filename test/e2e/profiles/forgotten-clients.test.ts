// Servers that forget the clients registered with them (workers-oauth-provider expires them after
// 90 days, Supabase's expire, a development server with in-memory storage forgets them at every
// restart), refusing them in OAuth words (invalid_client) or in their own (an HTML 400 page at the
// authorization endpoint, 422 {"message":"Unrecognized client_id"} at the token endpoint). A client
// the bridge registered is dropped and registered again; one given with --client-id never is.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pickFreePort } from '../../../src/oauth/loopback.js'
import { ROOT } from '../cli-process.js'
import {
  added,
  callText,
  expectClearFailure,
  expireLocally,
  home,
  profile,
  servedThroughBridge,
  type Home,
} from './helpers.js'

const RECORDING_BROWSER = join(ROOT, 'test/fixtures/recording-browser.mjs')

/** A home whose BROWSER writes down every URL it is given. */
async function recordingHome(): Promise<Home & { shownUrls(): Promise<URL[]> }> {
  const probe = await home()
  const record = join(probe.home, 'browser-urls.txt')
  const user = await home({ BROWSER: RECORDING_BROWSER, FIXTURE_BROWSER_RECORD: record })
  return {
    ...user,
    shownUrls: async () =>
      (await readFile(record, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => new URL(line)),
  }
}

async function clientIdOf(user: Home, name: string): Promise<string | undefined> {
  return (await user.store.get(name))?.client?.client_id
}

describe('a server that forgets the clients registered with it', () => {
  it.each([
    ['OAuth invalid_client', 'oauth'],
    ['422 {"message"} and an HTML 400 page', 'non-oauth'],
  ] as const)(
    '(%s) refused refresh in the running bridge: login required, the registration forgotten; `login` registers a new client and the bridge serves again',
    async (_label, style) => {
      const server = await profile('cf-workers-like', { forgetsClients: style })
      const user = await recordingHome()
      await added(user, 'sentry', server.url)
      const oldClient = await clientIdOf(user, 'sentry')
      const { client } = await servedThroughBridge(user, 'sentry')

      server.as!.expireRegisteredClients()
      await expireLocally(user, 'sentry')
      const failure = await client
        .callTool({ name: 'echo', arguments: { text: 'after the server forgot' } })
        .then(
          (result) => (result as { content: Array<{ text?: string }> }).content[0]?.text ?? '',
          (error: Error) => error.message,
        )
      const said =
        style === 'oauth'
          ? 'invalid_client: Unrecognized client_id'
          : 'HTTP 422: "Unrecognized client_id"'
      expect(failure).toContain(
        `"sentry" needs a new login: the server refused to refresh the token (${said}) and no longer knows the client the bridge registered`,
      )
      expect(failure).toContain('mcp-oauth-bridge login sentry')
      const stored = await user.store.get('sentry')
      expect(stored?.loginRequired?.reason).toContain(said)
      expect(stored?.client).toBeUndefined()

      const login = await user.run(['login', 'sentry'])
      expect(login.code, login.stderr).toBe(0)
      expect(login.stderr).toContain('Registering a client')
      const newClient = await clientIdOf(user, 'sentry')
      expect(newClient).toBeDefined()
      expect(newClient).not.toBe(oldClient)
      expect((await user.shownUrls()).map((url) => url.searchParams.get('client_id'))).toEqual([
        oldClient,
        newClient,
      ])
      expect(await callText(client, 'echo', { text: 'back' })).toBe('back')
    },
  )

  it.each([
    ['a 400 OAuth JSON page', 'oauth'],
    ['a plain 400 HTML page', 'non-oauth'],
    ['a redirect back with error=invalid_request naming the client', 'redirect'],
  ] as const)(
    'forgotten while the tokens are still valid, refused with %s: `login` checks the stored client first, registers a new one, and the browser never sees the dead client_id',
    async (_label, style) => {
      const server = await profile('cf-workers-like', { forgetsClients: style })
      const user = await recordingHome()
      await added(user, 'linear', server.url)
      const oldClient = (await clientIdOf(user, 'linear'))!

      server.as!.expireRegisteredClients()
      const login = await user.run(['login', 'linear'])
      expect(login.code, login.stderr).toBe(0)
      expect(login.stderr).toContain(
        `The authorization server no longer knows the client "${oldClient}" the bridge registered earlier`,
      )
      expect(login.stderr).toContain('registering a new one')
      const newClient = (await clientIdOf(user, 'linear'))!
      expect(newClient).not.toBe(oldClient)
      expect(server.as!.stats.registrations).toHaveLength(2)

      // The browser was given the first login's URL (at add) and the new client's, nothing else.
      const shown = await user.shownUrls()
      expect(shown.map((url) => url.searchParams.get('client_id'))).toEqual([oldClient, newClient])
      expect(shown[1]!.href).not.toContain(oldClient)
      // The one request with the dead client_id was the check, made without the browser.
      expect(
        server.as!.stats.authorizations.map((entry) => [entry.clientId, entry.outcome]),
      ).toEqual([
        [oldClient, 'ok'],
        [oldClient, 'unknown client'],
        [newClient, 'ok'],
      ])
      await servedThroughBridge(user, 'linear')
    },
  )

  it('a login with a client the server accepts: one check of the stored client, then the browser, no new registration', async () => {
    const server = await profile('cf-workers-like', { forgetsClients: 'non-oauth' })
    const user = await recordingHome()
    await added(user, 'linear', server.url)
    const clientId = await clientIdOf(user, 'linear')
    const login = await user.run(['login', 'linear'])
    expect(login.code, login.stderr).toBe(0)
    expect(await clientIdOf(user, 'linear')).toBe(clientId)
    expect(server.as!.stats.registrations).toHaveLength(1)
    expect(server.as!.stats.authorizations.map((entry) => entry.outcome)).toEqual([
      'ok',
      'ok',
      'ok',
    ])
    expect(await user.shownUrls()).toHaveLength(2)
  })

  it("forgotten between the browser and the code exchange: the token endpoint's refusal drops the registration and says to log in again, which then works", async () => {
    const server = await profile('cf-workers-like', { forgetsClients: 'non-oauth' })
    const user = await recordingHome()
    await added(user, 'linear', server.url)
    const oldClient = await clientIdOf(user, 'linear')

    server.as!.expireRegisteredClientsAtNextTokenRequest()
    const refused = await user.run(['login', 'linear'])
    expectClearFailure(
      refused,
      /The token exchange step failed at http:\/\/127\.0\.0\.1:\d+\/token: the server said HTTP 422: "Unrecognized client_id"/,
    )
    expect(refused.stderr).toContain(
      'The server refused the client the bridge registered earlier, so that registration is dropped: run `mcp-oauth-bridge login linear` again to register a new one.',
    )
    expect(await clientIdOf(user, 'linear')).toBeUndefined()

    const login = await user.run(['login', 'linear'])
    expect(login.code, login.stderr).toBe(0)
    expect(await clientIdOf(user, 'linear')).not.toBe(oldClient)
    await servedThroughBridge(user, 'linear')
  })

  it.each([
    [
      'OAuth invalid_client',
      'oauth',
      'invalid_client: Unrecognized client_id',
      'HTTP 400: "invalid_client" ("Unrecognized client_id")',
    ],
    [
      '422 {"message"} and an HTML 400 page',
      'non-oauth',
      'HTTP 422: "Unrecognized client_id"',
      'HTTP 400: an HTML page',
    ],
  ] as const)(
    'a client given with --client-id that the server no longer knows (%s) is kept, and both the refresh and `login` say what to do',
    async (_label, style, refreshSaid, loginSaid) => {
      const port = await pickFreePort()
      const server = await profile('preregistered-confidential', {
        confidentialMode: 'box',
        redirectHost: '127.0.0.1',
        callbackPort: port,
        forgetsClients: style,
      })
      const user = await recordingHome()
      const { clientId, clientSecret } = server.preRegistered!
      await added(user, 'box', server.url, [
        '--client-id',
        clientId,
        '--client-secret',
        clientSecret!,
        '--callback-port',
        String(port),
      ])

      server.as!.forgetClient(clientId)
      await expireLocally(user, 'box')
      const token = await user.run(['token', 'box'])
      expectClearFailure(token, /"box" needs a new login: the server refused to refresh the token/)
      expect(token.stderr).toContain(`(${refreshSaid})`)
      expect(token.stderr).toContain(
        `The client "${clientId}" was given with --client-id, so the bridge keeps it`,
      )
      expect(token.stderr).toContain('mcp-oauth-bridge remove box')
      expect(await clientIdOf(user, 'box')).toBe(clientId)

      const login = await user.run(['login', 'box'])
      expectClearFailure(
        login,
        new RegExp(
          `refused to start a login for the client "${clientId}" given with --client-id: it said ${loginSaid.replace(/[()]/g, '\\$&')}`,
        ),
      )
      expect(login.stderr).toContain('The client was registered by hand, so the bridge keeps it')
      expect(login.stderr).toContain(
        `mcp-oauth-bridge add box ${server.url} --client-id <NEW ID> --client-secret <SECRET> --callback-port ${port}`,
      )
      expect(await clientIdOf(user, 'box')).toBe(clientId)
      // Only the first login (at add) reached the browser.
      expect(await user.shownUrls()).toHaveLength(1)
    },
  )
})
