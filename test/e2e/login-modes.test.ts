// Every way `add` can log in, through the built command line as a user would run it, against the
// real OAuth fixture: --no-browser (URL pasted back, or the browser reaching the callback anyway),
// --device, --client-credentials (secret and private_key_jwt), a client registered by hand where
// there is no dynamic registration, and the logins the running bridge starts by itself (a server
// that asks for a token only for tools, and step-up to a scope a tool needs).
import { generateKeyPairSync } from 'node:crypto'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterEach, describe, expect, it } from 'vitest'
import { pickFreePort } from '../../src/oauth/loopback.js'
import { approveDeviceCode, completeBrowserLogin } from '../fixtures/browser-login.mjs'
import {
  startOAuthFixture,
  type OAuthFixture,
  type OAuthFixtureOptions,
} from '../fixtures/oauth-mcp-server.js'
import {
  cliEnv,
  makeHome,
  runCli,
  spawnCli,
  startBridgeProcess,
  type InteractiveCli,
  type RunningCli,
} from './cli-process.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

async function fixture(options?: OAuthFixtureOptions): Promise<OAuthFixture> {
  const started = await startOAuthFixture(options)
  cleanups.push(() => started.close())
  return started
}

async function bridge(env: NodeJS.ProcessEnv): Promise<RunningCli> {
  const running = await startBridgeProcess(env)
  cleanups.push(() => running.stop())
  return running
}

function interactive(args: string[], env: NodeJS.ProcessEnv): InteractiveCli {
  const cli = spawnCli(args, env)
  cleanups.push(() => cli.kill())
  return cli
}

async function connect(url: string, accessToken?: string): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' })
  const requestInit = accessToken
    ? { headers: { authorization: `Bearer ${accessToken}` } }
    : undefined
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), requestInit ? { requestInit } : undefined),
  )
  cleanups.push(() => client.close())
  return client
}

async function callText(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean
    content: Array<{ text?: string }>
  }
  const text = result.content[0]?.text ?? ''
  if (result.isError) throw new Error(`${name} answered an error: ${text}`)
  return text
}

/** `token <name>` prints a token, and the MCP server itself accepts it: returns whom it names. */
async function tokenWorks(
  env: NodeJS.ProcessEnv,
  name: string,
  server: OAuthFixture,
): Promise<string> {
  const token = await runCli(['token', name], env)
  expect(token.code, token.stderr).toBe(0)
  const accessToken = token.stdout.trim()
  expect(accessToken).toMatch(/^\S+$/)
  return callText(await connect(server.mcpUrl, accessToken), 'whoami')
}

async function readConfigFile(
  home: string,
): Promise<{ servers: Record<string, { auth?: string; callbackPort?: number }> }> {
  return JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))
}

/** A BROWSER program that must not be needed: records each URL it is given, then fails. */
async function forbiddenBrowser(
  home: string,
): Promise<{ program: string; opened(): Promise<string> }> {
  const program = join(home, 'no-browser.sh')
  const log = join(home, 'browser-opened.txt')
  await writeFile(program, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\nexit 1\n`)
  await chmod(program, 0o755)
  return { program, opened: () => readFile(log, 'utf8').catch(() => '') }
}

function setOf(scope: string | undefined): Set<string> {
  return new Set((scope ?? '').split(' ').filter(Boolean))
}

const PRINTED_URL = /Open this URL in a browser to authorize:\s+(http\S+)/

describe('add --no-browser', () => {
  it('prints the URL; the final address pasted on stdin completes the login', async () => {
    const server = await fixture()
    const home = await makeHome()
    const browser = await forbiddenBrowser(home)
    const env = cliEnv(home, { BROWSER: browser.program })
    const add = interactive(
      ['add', 'demo', server.mcpUrl, '--no-browser', '--policy', 'allow'],
      env,
    )
    const [, url] = await add.waitFor(PRINTED_URL)
    // The browser is on another machine: it ends on an address this one never receives.
    const { callbackUrl } = await completeBrowserLogin(url as string, { stopAtRedirect: true })
    expect(callbackUrl.searchParams.get('code')).toEqual(expect.any(String))
    add.type('https://example.com/not-the-redirect')
    await add.waitFor(
      /That is not the redirect address; it starts with http:\/\/127\.0\.0\.1:\d+\/callback/,
    )
    add.type(`  ${callbackUrl.href}  `)
    const result = await add.result
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('"demo" is ready')
    expect(await browser.opened()).toBe('')
    expect(server.stats.authorizationCodeGrants).toBe(1)
    expect(await tokenWorks(env, 'demo', server)).toBe('alice')
  })

  it('also finishes when the browser does reach the loopback callback (stdin left open)', async () => {
    const server = await fixture()
    const home = await makeHome()
    const browser = await forbiddenBrowser(home)
    const env = cliEnv(home, { BROWSER: browser.program })
    const add = interactive(['add', 'demo', server.mcpUrl, '--no-browser'], env)
    const [, url] = await add.waitFor(PRINTED_URL)
    const landing = await completeBrowserLogin(url as string, { user: 'dora' })
    expect(landing.status).toBe(200)
    const result = await add.result
    expect(result.code, result.stderr).toBe(0)
    expect(await browser.opened()).toBe('')
    expect(await tokenWorks(env, 'demo', server)).toBe('dora')
  })
})

describe('add --device', () => {
  it('prints the verification URL; approving it on "another device" completes the login', async () => {
    const server = await fixture({ deviceCodeIntervalSeconds: 1 })
    const home = await makeHome()
    const browser = await forbiddenBrowser(home)
    const env = cliEnv(home, { BROWSER: browser.program })
    const add = interactive(['add', 'tv', server.mcpUrl, '--device'], env)
    const [, verification] = await add.waitFor(/^→ On any device, open (http\S+)/m)
    await approveDeviceCode(verification as string, { user: 'erin' })
    const result = await add.result
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('"tv" is ready')
    expect(server.stats).toMatchObject({ deviceCodeGrants: 1, authorizationCodeGrants: 0 })
    expect(server.stats.authorizationRequests).toEqual([])
    expect(await browser.opened()).toBe('')
    expect(await tokenWorks(env, 'tv', server)).toBe('erin')
  })
})

describe('add --client-credentials', () => {
  it('with a client secret: no browser; the bridge serves tools and gets a new token after expiry', async () => {
    const server = await fixture({
      preRegisteredClients: [{ client_id: 'machine', client_secret: 'machine-secret' }],
    })
    // The bridge is told its tokens live 2 s; the server keeps them until the test ends them, so
    // nothing before the expiry races it.
    server.announceExpiresIn(2)
    const home = await makeHome()
    const browser = await forbiddenBrowser(home)
    const env = cliEnv(home, { BROWSER: browser.program })
    const add = await runCli(
      [
        'add',
        'm2m',
        server.mcpUrl,
        '--client-credentials',
        '--client-id',
        'machine',
        '--client-secret',
        'machine-secret',
        '--policy',
        'allow',
      ],
      env,
    )
    expect(add.code, add.stderr).toBe(0)
    expect((await readConfigFile(home)).servers.m2m).toMatchObject({ auth: 'client_credentials' })
    expect(server.stats.clientCredentialsGrants).toBe(1)
    expect(server.stats.authorizationRequests).toEqual([])
    expect(await readFile(join(home, 'tokens.json'), 'utf8')).not.toContain('machine-secret')

    const running = await bridge(env)
    const client = await connect(`${running.url}/mcp/m2m`)
    expect(await callText(client, 'whoami')).toBe('client:machine')
    await new Promise((resolveWait) => setTimeout(resolveWait, 2_200)) // the announced lifetime
    await server.expireAccessTokens()
    const grantsBefore = server.stats.clientCredentialsGrants
    expect(await callText(client, 'echo', { text: 'after expiry' })).toBe('after expiry')
    expect(server.stats.clientCredentialsGrants).toBe(grantsBefore + 1)
    expect(await browser.opened()).toBe('')
    expect(await tokenWorks(env, 'm2m', server)).toBe('client:machine')
  })

  it('with private_key_jwt (--private-key PEM): a signed assertion instead of a secret', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const server = await fixture({
      preRegisteredClients: [
        { client_id: 'signer', jwks: { keys: [publicKey.export({ format: 'jwk' })] } },
      ],
    })
    const home = await makeHome()
    const browser = await forbiddenBrowser(home)
    const env = cliEnv(home, { BROWSER: browser.program })
    const keyFile = join(home, 'key.pem')
    await writeFile(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 })
    const add = await runCli(
      [
        'add',
        'signed',
        server.mcpUrl,
        '--client-credentials',
        '--client-id',
        'signer',
        '--private-key',
        keyFile,
        '--policy',
        'allow',
      ],
      env,
    )
    expect(add.code, add.stderr).toBe(0)
    expect(server.stats.clientCredentialsGrants).toBe(1)
    expect(await readFile(join(home, 'tokens.json'), 'utf8')).not.toContain('PRIVATE KEY')
    expect(await tokenWorks(env, 'signed', server)).toBe('client:signer')

    const running = await bridge(env)
    expect(
      await callText(await connect(`${running.url}/mcp/signed`), 'add', { a: 20, b: 22 }),
    ).toBe('42')
    expect(await browser.opened()).toBe('')
  })

  it('with a wrong secret: fails with exit 1 at the token step and saves nothing', async () => {
    const server = await fixture({
      preRegisteredClients: [{ client_id: 'machine', client_secret: 'machine-secret' }],
    })
    const home = await makeHome()
    const env = cliEnv(home, { BROWSER: (await forbiddenBrowser(home)).program })
    const add = await runCli(
      [
        'add',
        'm2m',
        server.mcpUrl,
        '--client-credentials',
        '--client-id',
        'machine',
        '--client-secret',
        'wrong',
      ],
      env,
    )
    expect(add.code).toBe(1)
    expect(add.stderr).toMatch(/token exchange step failed/)
    expect(add.stderr).toContain('invalid_client')
    expect((await readConfigFile(home)).servers.m2m).toBeUndefined()
  })
})

describe('a client registered by hand (no dynamic registration)', () => {
  async function handRegistered(): Promise<{
    server: OAuthFixture
    port: number
    redirectUri: string
  }> {
    const port = await pickFreePort()
    const redirectUri = `http://127.0.0.1:${port}/callback`
    const server = await fixture({
      registration: false,
      preRegisteredClients: [
        { client_id: 'cli-public', redirect_uris: [redirectUri] },
        {
          client_id: 'cli-confidential',
          client_secret: 'hand-secret',
          redirect_uris: [redirectUri],
        },
      ],
    })
    return { server, port, redirectUri }
  }

  it('without --client-id: exit 1, naming the redirect URI to register and --client-id', async () => {
    const { server, port, redirectUri } = await handRegistered()
    const home = await makeHome()
    const env = cliEnv(home)
    const add = await runCli(['add', 'manual', server.mcpUrl, '--callback-port', String(port)], env)
    expect(add.code).toBe(1)
    expect(add.stderr).toContain('does not offer dynamic client registration')
    expect(add.stderr).toContain(`redirect URI ${redirectUri}`)
    expect(add.stderr).toContain(
      `--client-id <ID> [--client-secret <SECRET>] --callback-port ${port}`,
    )
    expect(server.stats.authorizationRequests).toEqual([])
    expect((await readConfigFile(home)).servers.manual).toBeUndefined()

    // Without --callback-port a free port is chosen, and the message names that one.
    const anyPort = await runCli(['add', 'manual', server.mcpUrl], env)
    expect(anyPort.code).toBe(1)
    expect(anyPort.stderr).toMatch(
      /redirect URI http:\/\/127\.0\.0\.1:\d+\/callback[\s\S]*--client-id/,
    )
  })

  it('a public client: add --client-id --callback-port logs in with it', async () => {
    const { server, port } = await handRegistered()
    const home = await makeHome()
    const env = cliEnv(home)
    const add = await runCli(
      [
        'add',
        'manual',
        server.mcpUrl,
        '--client-id',
        'cli-public',
        '--callback-port',
        String(port),
      ],
      env,
    )
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toContain('Using the pre-registered client "cli-public"')
    expect(add.stderr).not.toContain('Registering a client')
    // (A client registered by hand has its first authorization request checked once before the
    // browser goes there, so the server sees the request twice.)
    expect(new Set(server.stats.authorizationRequests.map((request) => request.clientId))).toEqual(
      new Set(['cli-public']),
    )
    expect((await readConfigFile(home)).servers.manual).toMatchObject({
      auth: 'oauth',
      callbackPort: port,
    })
    expect(await tokenWorks(env, 'manual', server)).toBe('alice')
  })

  it('a confidential client: add --client-id --client-secret logs in, and its secret refreshes the token', async () => {
    const { server, port } = await handRegistered()
    // The command line is told its tokens live 2 s; the server keeps them until the test ends them.
    server.announceExpiresIn(2)
    const home = await makeHome()
    const env = cliEnv(home)
    const add = await runCli(
      [
        'add',
        'manual',
        server.mcpUrl,
        '--client-id',
        'cli-confidential',
        '--client-secret',
        'hand-secret',
        '--callback-port',
        String(port),
      ],
      env,
    )
    expect(add.code, add.stderr).toBe(0)
    expect(await readFile(join(home, 'tokens.json'), 'utf8')).not.toContain('hand-secret')
    expect(await tokenWorks(env, 'manual', server)).toBe('alice')
    await new Promise((resolveWait) => setTimeout(resolveWait, 2_200)) // the announced lifetime
    await server.expireAccessTokens()
    const refreshes = server.stats.refreshGrants
    expect(await tokenWorks(env, 'manual', server)).toBe('alice')
    expect(server.stats.refreshGrants).toBe(refreshes + 1)
  })
})

describe('logins the running bridge starts by itself', () => {
  it('a server that lets initialize through: added as is, then tools/list makes the bridge log in while the request waits', async () => {
    const server = await fixture({ authRequired: 'tools' })
    const home = await makeHome()
    const env = cliEnv(home)
    const add = await runCli(['add', 'lazy', server.mcpUrl, '--policy', 'allow'], env)
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toContain('answered without asking for authorization: added as is')
    expect((await readConfigFile(home)).servers.lazy).toMatchObject({ auth: 'none' })
    expect(server.stats.authorizationRequests).toEqual([])

    const running = await bridge(env)
    const client = await connect(`${running.url}/mcp/lazy`)
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'whoami']))
    expect(server.stats.authorizationCodeGrants).toBe(1)
    expect(server.stats.mcpUnauthorized).toBe(1)
    expect(running.output()).toContain('lazy: the server asks for authorization; starting a login')
    expect(await callText(client, 'whoami')).toBe('alice')
    expect((await readConfigFile(home)).servers.lazy).toMatchObject({ auth: 'oauth' })
    expect(await tokenWorks(env, 'lazy', server)).toBe('alice')
  })

  // A dynamically registered client is registered with the scopes of the first login; the step-up
  // must still be able to ask for more (the authorization server refuses scopes outside a client's
  // registered `scope`, RFC 7591 §2, as oidc-provider does).
  it.each([
    ['a dynamically registered client', 'union', undefined],
    ['a pre-registered client', 'union', 'by-hand'],
    ['a pre-registered client', 'tool', 'by-hand'],
  ] as const)(
    'step-up with %s (challenge scope: %s): a 403 insufficient_scope makes the bridge log in for the union, then the call succeeds',
    async (_label, scopeChallenge, clientId) => {
      const callbackPort = await pickFreePort()
      const server = await fixture({
        toolScopes: { admin_tool: 'mcp:admin' },
        scopeChallenge,
        preRegisteredClients: [
          { client_id: 'by-hand', redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`] },
        ],
      })
      const home = await makeHome()
      const env = cliEnv(home)
      const clientArgs = clientId
        ? ['--client-id', clientId, '--callback-port', String(callbackPort)]
        : []
      const add = await runCli(
        ['add', 'scoped', server.mcpUrl, '--policy', 'allow', ...clientArgs],
        env,
      )
      expect(add.code, add.stderr).toBe(0)
      const [firstLogin] = server.stats.authorizationRequests
      expect([...setOf(firstLogin?.scope)]).toEqual(
        expect.arrayContaining(['mcp:read', 'mcp:write']),
      )
      expect(setOf(firstLogin?.scope).has('mcp:admin')).toBe(false)
      // One request per login, plus (for a client registered by hand) the check of its first request.
      const afterAdd = server.stats.authorizationRequests.length
      expect(afterAdd).toBe(clientId ? 2 : 1)

      const running = await bridge(env)
      const client = await connect(`${running.url}/mcp/scoped`)
      expect(await callText(client, 'echo', { text: 'no step-up needed' })).toBe(
        'no step-up needed',
      )
      expect(server.stats.authorizationRequests).toHaveLength(afterAdd)

      expect(await callText(client, 'admin_tool')).toBe('admin_tool ran')
      expect(server.stats.mcpForbidden).toBe(1)
      expect(server.stats.authorizationRequests).toHaveLength(afterAdd + 1)
      const stepUp = server.stats.authorizationRequests[afterAdd]
      expect(setOf(stepUp?.scope)).toEqual(new Set([...setOf(firstLogin?.scope), 'mcp:admin']))
      // The new token keeps what the old one could do.
      expect(await callText(client, 'echo', { text: 'still fine' })).toBe('still fine')
    },
  )

  // MCP 2026-07-28 §Authorization Server Binding: a resource may move to another authorization
  // server, and a token without a refresh token cannot be renewed where it came from either.
  it('a token without a refresh token that the server stops accepting: the bridge logs in again while the request waits', async () => {
    const callbackPort = await pickFreePort()
    const server = await fixture({
      preRegisteredClients: [
        {
          client_id: 'no-refresh',
          redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
          grant_types: ['authorization_code'],
        },
      ],
    })
    const home = await makeHome()
    const env = cliEnv(home)
    const add = await runCli(
      [
        'add',
        'once',
        server.mcpUrl,
        '--policy',
        'allow',
        '--client-id',
        'no-refresh',
        '--callback-port',
        String(callbackPort),
      ],
      env,
    )
    expect(add.code, add.stderr).toBe(0)

    const running = await bridge(env)
    const client = await connect(`${running.url}/mcp/once`)
    expect(await callText(client, 'whoami')).toBe('alice')
    const logins = server.stats.authorizationCodeGrants
    await server.revokeAllGrants()
    expect(await callText(client, 'whoami')).toBe('alice')
    expect(server.stats.authorizationCodeGrants).toBe(logins + 1)
    expect(server.stats.refreshGrants).toBe(0)
    expect(running.output()).toContain('once: the server asks for authorization; starting a login')
  })

  it('a scope the authorization server never grants: a clear error after at most two logins, and no loop', async () => {
    const server = await fixture({
      toolScopes: { never_tool: 'mcp:never' },
      ungrantedScopes: ['mcp:never'],
    })
    const home = await makeHome()
    const env = cliEnv(home)
    const add = await runCli(['add', 'stingy', server.mcpUrl, '--policy', 'allow'], env)
    expect(add.code, add.stderr).toBe(0)
    expect(server.stats.authorizationRequests).toHaveLength(1)

    const running = await bridge(env)
    const client = await connect(`${running.url}/mcp/stingy`)
    const toolCalls = server.stats.toolCalls
    const outcome = await client.callTool({ name: 'never_tool', arguments: {} }).then(
      (result) => ({ result: result as { isError?: boolean; content: Array<{ text?: string }> } }),
      (error: unknown) => ({ error: error as Error }),
    )
    const message =
      'error' in outcome ? outcome.error.message : (outcome.result.content[0]?.text ?? '')
    if ('result' in outcome) expect(outcome.result.isError).toBe(true)
    expect(message).toMatch(/mcp:never/)
    expect(message).toMatch(/mcp-oauth-bridge login stingy/)
    // The server may refuse the scope at registration already (no browser at all) or at login.
    const logins = server.stats.authorizationRequests.length - 1
    expect(logins).toBeLessThanOrEqual(2)
    expect(server.stats.toolCalls).toBe(toolCalls)

    // The bridge is still serving, with no login left running.
    const after = server.stats.authorizationRequests.length
    expect(await callText(client, 'echo', { text: 'still here' })).toBe('still here')
    expect(server.stats.authorizationRequests).toHaveLength(after)
  })
})
