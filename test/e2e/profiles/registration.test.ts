// Profiles 5-9 (real-servers.md §5): how a client comes to exist. A client registered by hand with
// one exact redirect URI, client ID metadata documents checked port by port, registration quirks
// (a secret nobody asked for, scope enums, confidential-only, a third host), and OpenID-only
// authorization servers that refuse `resource`.

import { describe, expect, it } from 'vitest'
import { pickFreePort } from '../../../src/oauth/loopback.js'
import { ENTRA_APP_ID, SUPABASE_SCOPES } from '../../fixtures/profiles/profiles.js'
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

describe('5. preregistered-confidential (Asana v2, Box, HubSpot, Slack)', () => {
  it('without a client: add names the redirect URI to register and the flags', async () => {
    const server = await profile('preregistered-confidential')
    const user = await home()
    const add = await user.run(['add', 'asana', server.url, '--callback-port', '53682'])
    expectClearFailure(add, /does not offer dynamic client registration/)
    expect(add.stderr).toContain('redirect URI http://127.0.0.1:53682/callback')
    expect(add.stderr).toContain(
      `mcp-oauth-bridge add asana ${server.url} --client-id <ID> [--client-secret <SECRET>] --callback-port 53682`,
    )
  })

  it('a client registered with http://localhost:<port>/callback only: 127.0.0.1 is refused, localhost is tried and kept; resource on both legs', async () => {
    const port = await pickFreePort()
    const server = await profile('preregistered-confidential', {
      confidentialMode: 'asana',
      redirectHost: 'localhost',
      callbackPort: port,
    })
    const user = await home()
    const { clientId, clientSecret } = server.preRegistered!
    const add = await added(user, 'asana', server.url, [
      '--client-id',
      clientId,
      '--client-secret',
      clientSecret!,
      '--callback-port',
      String(port),
    ])
    expect(add.stderr).toContain(`refused the redirect URI http://127.0.0.1:${port}/callback`)
    expect(add.stderr).toContain(`trying http://localhost:${port}/callback`)
    expect(
      server.as!.stats.authorizations.map((entry) => [entry.redirectUri, entry.outcome]),
    ).toEqual([
      [`http://127.0.0.1:${port}/callback`, 'redirect refused'],
      [`http://localhost:${port}/callback`, 'ok'],
      [`http://localhost:${port}/callback`, 'ok'],
    ])
    const resource = `${server.origins.mcp!.origin}/v2`
    expect(server.as!.stats.authorizations[2]?.resource).toBe(resource)
    expect(server.as!.stats.tokenRequests[0]).toMatchObject({
      grantType: 'authorization_code',
      resource,
      clientAuth: 'client_secret_basic',
      status: 200,
    })

    const { client } = await servedThroughBridge(user, 'asana')
    await expireLocally(user, 'asana')
    expect(await callText(client, 'whoami')).toBe('alice')
    expect(server.as!.stats.tokenRequests.at(-1)).toMatchObject({
      grantType: 'refresh_token',
      resource,
      status: 200,
    })

    // The next login goes straight to the redirect URI that worked.
    const before = server.as!.stats.authorizations.length
    const login = await user.run(['login', 'asana'])
    expect(login.code, login.stderr).toBe(0)
    expect(server.as!.stats.authorizations.slice(before).map((entry) => entry.redirectUri)).toEqual(
      [`http://localhost:${port}/callback`],
    )
    const logout = await loggedOut(user, 'asana')
    expect(logout.stderr).toContain('Revoked the tokens')
  })

  it('a client registered on another port: a clear failure naming both redirect URIs tried and the --callback-port flag', async () => {
    const registeredPort = await pickFreePort()
    const server = await profile('preregistered-confidential', {
      redirectHost: 'localhost',
      callbackPort: registeredPort,
    })
    const user = await home()
    const { clientId, clientSecret } = server.preRegistered!
    const add = await user.run([
      'add',
      'asana',
      server.url,
      '--client-id',
      clientId,
      '--client-secret',
      clientSecret!,
    ])
    expectClearFailure(
      add,
      new RegExp(
        `refused to start a login for client "${clientId}" with the redirect URI http://127\\.0\\.0\\.1:\\d+/callback or http://localhost:\\d+/callback: it said HTTP 400: "unauthorized_client" \\("redirect_uri is not registered for client`,
      ),
    )
    expect(add.stderr).toContain(
      `--client-id ${clientId} --client-secret <SECRET> --callback-port <PORT>`,
    )
    expect(add.stderr).not.toContain(clientSecret)
    expect((await user.config()).servers.asana).toBeUndefined()
  })

  it.each([
    ['Box (basic or post, strict rotation), registered with 127.0.0.1', 'box', '127.0.0.1'],
    ['HubSpot (client_secret_post only)', 'hubspot', '127.0.0.1'],
  ] as const)('%s: logs in, serves, refreshes', async (_label, confidentialMode, redirectHost) => {
    const port = await pickFreePort()
    const server = await profile('preregistered-confidential', {
      confidentialMode,
      redirectHost,
      callbackPort: port,
    })
    const user = await home()
    const { clientId, clientSecret } = server.preRegistered!
    await added(user, confidentialMode, server.url, [
      '--client-id',
      clientId,
      '--client-secret',
      clientSecret!,
      '--callback-port',
      String(port),
    ])
    expect(server.as!.stats.tokenRequests[0]?.clientAuth).toBe(
      confidentialMode === 'hubspot' ? 'client_secret_post' : 'client_secret_basic',
    )
    const { client } = await servedThroughBridge(user, confidentialMode)
    await expireLocally(user, confidentialMode)
    expect(await callText(client, 'whoami')).toBe('alice')
    await loggedOut(user, confidentialMode)
  })
})

describe('6. cimd-strict (Atlassian v2; Linear, Notion, Sentry, Canva with CIMD)', () => {
  const documentUrl = 'https://tools.example.com/oauth/mcp-oauth-bridge.json'
  const documentFor = (port: number) => ({
    client_id: documentUrl,
    client_name: 'mcp-oauth-bridge',
    redirect_uris: [`http://127.0.0.1:${port}/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
  })

  it('the document lists this port: path-issuer metadata found, the URL is the client, served and refreshed', async () => {
    const port = await pickFreePort()
    const server = await profile('cimd-strict', {
      cimdDocuments: new Map([[documentUrl, documentFor(port)]]),
    })
    const user = await home()
    await added(user, 'atlassian', server.url, [
      '--client-metadata-url',
      documentUrl,
      '--callback-port',
      String(port),
    ])
    expect(server.log.discovery()).toEqual([
      'mcp /.well-known/oauth-protected-resource/v2/mcp 200',
      'as /.well-known/oauth-authorization-server/a1b2c3d4-opaque 200',
    ])
    expect(server.as!.stats.registrations).toEqual([])
    expect(server.as!.stats.authorizations.at(-1)?.scope?.split(' ')).toContain('offline_access')
    const { client } = await servedThroughBridge(user, 'atlassian')
    await expireLocally(user, 'atlassian')
    expect(await callText(client, 'whoami')).toBe('alice')
    const logout = await loggedOut(user, 'atlassian')
    expect(logout.stderr).toContain('offers no token revocation')
  })

  it('the document lists another port (copilot-cli#4926): refused before the browser opens, with what to change', async () => {
    const listed = await pickFreePort()
    const server = await profile('cimd-strict', {
      cimdDocuments: new Map([[documentUrl, documentFor(listed)]]),
    })
    const user = await home()
    const add = await user.run([
      'add',
      'atlassian',
      server.url,
      '--client-metadata-url',
      documentUrl,
    ])
    expectClearFailure(
      add,
      /refused to start a login for client "https:\/\/tools\.example\.com\/oauth\/mcp-oauth-bridge\.json" with the redirect URI http:\/\/127\.0\.0\.1:\d+\/callback or http:\/\/localhost:\d+\/callback/,
    )
    expect(add.stderr).toContain(
      `in the redirect_uris of your client ID metadata document at ${documentUrl}`,
    )
    expect(add.stderr).toContain(`--client-metadata-url ${documentUrl} --callback-port <PORT>`)
  })

  it('a stale cached document (Canva): the old copy is what counts, and the failure says so precisely', async () => {
    const first = await pickFreePort()
    const second = await pickFreePort()
    const documents = new Map<string, unknown>([[documentUrl, documentFor(first)]])
    const server = await profile('cimd-strict', {
      cimdVariant: 'stale-cache',
      cimdDocuments: documents,
    })
    const user = await home()
    await added(user, 'canva', server.url, [
      '--client-metadata-url',
      documentUrl,
      '--callback-port',
      String(first),
    ])
    // The person moves to another port and updates the document; the server keeps its old copy.
    documents.set(documentUrl, documentFor(second))
    expect((await user.run(['remove', 'canva'])).code).toBe(0)
    const add = await user.run([
      'add',
      'canva',
      server.url,
      '--client-metadata-url',
      documentUrl,
      '--callback-port',
      String(second),
    ])
    expectClearFailure(
      add,
      new RegExp(
        `redirect URI http://127\\.0\\.0\\.1:${second}/callback or http://localhost:${second}/callback: it said HTTP 400`,
      ),
    )
  })

  it('registration instead of a document (atlassian-mcp-server#246): the server takes the registration but refuses the loopback redirect in the browser', async () => {
    const server = await profile('cimd-strict', { cimdVariant: 'dcr-loopback-refused' })
    const user = await home({ MCP_OAUTH_BRIDGE_LOGIN_TIMEOUT_SECONDS: '3' })
    const add = await user.run(['add', 'atlassian', server.url])
    // Only the browser sees the refusal; the command stops waiting and says what else to try.
    expectClearFailure(add, /did not come back to http:\/\/127\.0\.0\.1:\d+\/callback within 3 s/)
    expect(add.stderr).toMatch(
      /If the provider's page showed an error about the redirect URI[\s\S]*--client-metadata-url/,
    )
    expect(server.as!.stats.authorizations.map((entry) => entry.outcome)).toEqual([
      'redirect refused',
    ])
    expect((await user.config()).servers.atlassian).toBeUndefined()
  })
})

describe('7. supabase-like (Supabase hosted MCP)', () => {
  it('query-string URL and PRM, a secret the registration did not announce, 201 from the token endpoint; served, refreshed', async () => {
    const server = await profile('supabase-like')
    const user = await home()
    await added(user, 'supabase', server.url)
    expect(server.log.discovery()).toEqual([
      'mcp /.well-known/oauth-protected-resource/mcp?project_ref=abcdefghij 200',
      'as /.well-known/oauth-authorization-server 200',
    ])
    const registration = server.as!.stats.registrations[0]
    expect(registration?.body.scope).toBe(SUPABASE_SCOPES.join(' '))
    expect(server.as!.stats.tokenRequests[0]).toMatchObject({
      status: 201,
      clientAuth: 'client_secret_basic',
    })
    const { client } = await servedThroughBridge(user, 'supabase')
    await expireLocally(user, 'supabase')
    expect(await callText(client, 'whoami')).toBe('alice')
    expect(server.as!.stats.tokenRequests.at(-1)).toMatchObject({
      grantType: 'refresh_token',
      status: 201,
    })
    await loggedOut(user, 'supabase')
  })

  it('OpenID scopes asked for by hand: the registration error (a non-OAuth enum message) is quoted, with the way out', async () => {
    const server = await profile('supabase-like')
    const user = await home()
    const add = await user.run([
      'add',
      'supabase',
      server.url,
      '--scope',
      'openid projects:read',
      '--callback-port',
      '53111',
    ])
    expectClearFailure(
      add,
      /registration step failed at http:\/\/127\.0\.0\.1:\d+\/v1\/oauth\/register: the server said HTTP 400: "Invalid enum value\. Expected 'organizations:read' \|/,
    )
    expect(add.stderr).toContain('redirect URI http://127.0.0.1:53111/callback')
    expect(add.stderr).toContain(
      '--client-id <ID> [--client-secret <SECRET>] --callback-port 53111',
    )
  })

  it('a registered client the server forgot ("Unrecognized client_id"): log in again, with a new registration', async () => {
    const server = await profile('supabase-like')
    const user = await home()
    await added(user, 'supabase', server.url)
    server.as!.expireRegisteredClients()
    await expireLocally(user, 'supabase')
    const token = await user.run(['token', 'supabase'])
    expectClearFailure(
      token,
      /"supabase" needs a new login: the server refused to refresh the token \(HTTP 401: "Unrecognized client_id"\)/,
    )
    const login = await user.run(['login', 'supabase'])
    expect(login.code, login.stderr).toBe(0)
    expect(server.as!.stats.registrations).toHaveLength(2)
    await servedThroughBridge(user, 'supabase')
  })
})

describe('8. vercel-like (Vercel; Auth0 or Keycloak with registration on)', () => {
  it.each([
    ['RFC 8414 and OpenID metadata', false],
    ['OpenID metadata only', true],
  ] as const)(
    '%s: confidential registration on a third host, offline_access for a refresh token; served, refreshed, revoked',
    async (_label, openidOnly) => {
      const server = await profile('vercel-like', { openidOnly })
      const user = await home()
      await added(user, 'vercel', server.url)
      expect(server.log.discovery()).toEqual([
        'mcp /.well-known/oauth-protected-resource 200',
        ...(openidOnly
          ? [
              'as /.well-known/oauth-authorization-server 404',
              'as /.well-known/openid-configuration 200',
            ]
          : ['as /.well-known/oauth-authorization-server 200']),
      ])
      expect(server.log.lines((entry) => entry.method === 'POST' && entry.host === 'reg')).toEqual([
        'reg POST /login/oauth/register',
      ])
      expect(server.as!.stats.registrations[0]?.body).toMatchObject({
        token_endpoint_auth_method: 'client_secret_basic',
      })
      expect(server.as!.stats.authorizations[0]?.scope).toBe('openid offline_access')
      expect((await user.store.get('vercel'))?.tokens?.refresh_token).toEqual(expect.any(String))
      const { client } = await servedThroughBridge(user, 'vercel')
      await expireLocally(user, 'vercel')
      expect(await callText(client, 'whoami')).toBe('alice')
      const logout = await loggedOut(user, 'vercel')
      expect(logout.stderr).toContain('Revoked the tokens')
    },
  )
})

describe('9. openid-only-entra-like (Entra ID; Keycloak)', () => {
  it('no registration: add names the redirect URI and flags', async () => {
    const server = await profile('openid-only-entra-like')
    const user = await home()
    const add = await user.run(['add', 'entra', server.url, '--callback-port', '53999'])
    expectClearFailure(add, /does not offer dynamic client registration/)
    expect(add.stderr).toContain('redirect URI http://127.0.0.1:53999/callback')
    expect(server.log.discovery()).toEqual([
      'mcp /.well-known/oauth-protected-resource/mcp 200',
      expect.stringMatching(/^as \/\.well-known\/oauth-authorization-server\/[\w-]+\/v2\.0 404$/),
      expect.stringMatching(/^as \/\.well-known\/openid-configuration\/[\w-]+\/v2\.0 404$/),
      expect.stringMatching(/^as \/[\w-]+\/v2\.0\/\.well-known\/openid-configuration 200$/),
    ])
  })

  it.each([
    ['refuses any resource (AADSTS901002)', 'reject', 'invalid_request'],
    [
      "refuses a resource that is not the scope's (AADSTS9010010)",
      'must-match-scope',
      'invalid_target',
    ],
  ] as const)(
    '%s: the refusal is seen before the browser opens, the login goes on without resource; GUID audience; refreshed; revoked',
    async (_label, resourceParameter, error) => {
      const server = await profile('openid-only-entra-like', { resourceParameter })
      const user = await home()
      const add = await added(user, 'entra', server.url, [
        '--client-id',
        server.preRegistered!.clientId,
      ])
      expect(add.stderr).toContain('refuses the resource parameter')
      const authorizations = server.tenant!.stats.authorizations
      expect(
        authorizations.map((entry) => [
          entry.resource === undefined ? 'no resource' : 'resource',
          entry.outcome,
        ]),
      ).toEqual([
        ['resource', error],
        ['no resource', 'ok'],
        ['no resource', 'ok'],
      ])
      expect(authorizations[1]?.scope?.split(' ')).toEqual([
        `api://${ENTRA_APP_ID}/mcp.tools`,
        'offline_access',
      ])
      expect(
        server.tenant!.stats.tokenRequests.every((request) => request.resource === undefined),
      ).toBe(true)
      const { client } = await servedThroughBridge(user, 'entra')
      await expireLocally(user, 'entra')
      expect(await callText(client, 'whoami')).toBe('alice')
      expect(server.tenant!.stats.tokenRequests.at(-1)).toMatchObject({
        grantType: 'refresh_token',
        resource: undefined,
        status: 200,
      })
      // A later login remembers the refusal: no resource, no detour.
      const before = authorizations.length
      const login = await user.run(['login', 'entra'])
      expect(login.code, login.stderr).toBe(0)
      expect(authorizations.slice(before).map((entry) => entry.resource)).toEqual([undefined])
      const logout = await loggedOut(user, 'entra')
      expect(logout.stderr).toContain('Revoked the tokens')
    },
  )

  it('Keycloak with a trusted host: anonymous registration at /realms/<realm>, path-appended discovery; served', async () => {
    const server = await profile('openid-only-entra-like', { keycloak: { trustedHost: true } })
    const user = await home()
    await added(user, 'keycloak', server.url)
    expect(server.tenant!.stats.registrations).toEqual([{ status: 201 }])
    const { client } = await servedThroughBridge(user, 'keycloak')
    await expireLocally(user, 'keycloak')
    expect(await callText(client, 'whoami')).toBe('alice')
    const logout = await loggedOut(user, 'keycloak')
    expect(logout.stderr).toContain('Revoked the tokens')
  })

  it('a registered client whose server refuses `resource` only in the browser: the login runs again without it, once', async () => {
    const server = await profile('openid-only-entra-like', {
      keycloak: { trustedHost: true },
      resourceParameter: 'reject',
    })
    const user = await home()
    const add = await added(user, 'keycloak', server.url)
    expect(add.stderr).toContain('refuses the resource parameter ("invalid_request" ("AADSTS901002')
    expect(
      server.tenant!.stats.authorizations.map((entry) => [
        entry.resource === undefined ? 'no resource' : 'resource',
        entry.outcome,
      ]),
    ).toEqual([
      ['resource', 'invalid_request'],
      ['no resource', 'ok'],
    ])
    expect(server.tenant!.stats.registrations).toEqual([{ status: 201 }])
    await servedThroughBridge(user, 'keycloak')
  })

  it('Keycloak "Trusted Hosts" refuses anonymous registration: the server\'s words, the redirect URI and the flags', async () => {
    const server = await profile('openid-only-entra-like', { keycloak: { trustedHost: false } })
    const user = await home()
    const add = await user.run(['add', 'keycloak', server.url, '--callback-port', '53998'])
    expectClearFailure(
      add,
      /registration step failed at http:\/\/127\.0\.0\.1:\d+\/realms\/mcp\/reg: the server said HTTP 403: "insufficient_scope" \("Policy 'Trusted Hosts' rejected request/,
    )
    expect(add.stderr).toContain('redirect URI http://127.0.0.1:53998/callback')
    expect(add.stderr).toContain(
      `mcp-oauth-bridge add keycloak ${server.url} --client-id <ID> [--client-secret <SECRET>] --callback-port 53998`,
    )
  })
})
