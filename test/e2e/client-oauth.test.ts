// MCP clients that log in to the bridge itself: an SDK v2 client with an OAuth client provider
// and no header discovers the bridge's metadata from the 401, registers (dynamic registration, or
// a client ID metadata document served on loopback), is sent to the consent page, which a signed-in
// owner answers in Chromium, and then lists and calls tools with its own token. Held calls name
// it, the dashboard and `clients revoke` end its access at once, tokens stay on their server,
// refresh tokens rotate, and the static bridge header keeps working.
import { once } from 'node:events'
import { readFile, readdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import {
  Client,
  StreamableHTTPClientTransport,
  type OAuthClientProvider,
} from '@modelcontextprotocol/client'
import { launchChromium } from '../fixtures/chromium.js'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { runCli, type RunningCli } from './cli-process.js'
import { bridgeAuthorization, startBridgeFor } from './bridge-setup.js'
import { signedInPage } from './dashboard-sign-in.js'

type Tokens = { access_token: string; refresh_token?: string; token_type: string }
type ClientInfo = { client_id: string; [key: string]: unknown }
type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }> }

/** The client's own loopback listener: the redirect URI, and (for one test) its metadata document. */
class ClientListener {
  readonly server: Server
  #waiting: Array<(params: URLSearchParams) => void> = []
  document: object | undefined

  constructor() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://client')
      if (url.pathname === '/client-metadata.json' && this.document) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(this.document))
        return
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this tab.')
      this.#waiting.shift()?.(url.searchParams)
    })
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** Resolves with the query of the next request to the callback. */
  nextCallback(): Promise<URLSearchParams> {
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

/** An in-memory OAuth client provider, as an app would write one; `fixedClientId` plays a CIMD client. */
class TestProvider implements OAuthClientProvider {
  info: ClientInfo | undefined
  saved: Tokens | undefined
  verifier = ''
  authorizationUrl: URL | undefined
  readonly #name: string
  readonly #redirect: string

  constructor(name: string, redirect: string, fixedClientId?: string) {
    this.#name = name
    this.#redirect = redirect
    if (fixedClientId) this.info = { client_id: fixedClientId }
  }

  get redirectUrl(): string {
    return this.#redirect
  }

  get clientMetadata() {
    return {
      client_name: this.#name,
      redirect_uris: [this.#redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
  }

  state(): string {
    return `state-${this.#name.length}-${Date.now()}`
  }

  clientInformation() {
    return this.info
  }

  saveClientInformation(info: ClientInfo): void {
    this.info = info
  }

  tokens() {
    return this.saved
  }

  saveTokens(tokens: Tokens): void {
    this.saved = tokens
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier
  }

  codeVerifier(): string {
    return this.verifier
  }
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
})
const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
}

describe('MCP clients logging in to the bridge (OAuth, no header)', () => {
  let browser: Browser
  let owner: BrowserContext
  let fixture: OAuthFixture
  let listener: ClientListener
  let home: string
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  let port: string
  let header: string
  const clients: Client[] = []
  const pages: Page[] = []

  beforeAll(async () => {
    browser = await launchChromium()
    fixture = await startOAuthFixture({ requireAuth: false })
    listener = new ClientListener()
    await listener.start()
    ;({ home, env, bridge, port } = await startBridgeFor(
      {
        open: { url: fixture.mcpUrl, policy: 'allow', tools: { add: 'ask' } },
        other: { url: fixture.mcpUrl, policy: 'allow' },
      },
      { auth: true },
    ))
    header = await bridgeAuthorization(env, 'open')
    const signedIn = await signedInPage(browser, bridge)
    owner = signedIn.context
    await signedIn.page.close()
  }, 60_000)

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined)
    await browser?.close()
    await bridge?.stop()
    await listener?.close()
    await fixture?.close()
  })

  const mcpUrl = (server: string, host = 'localhost') =>
    new URL(`http://${host}:${port}/mcp/${server}`)

  /** Connects with the provider; without tokens the SDK stops at redirectToAuthorization. */
  async function connect(
    provider: TestProvider,
    server: string,
    host?: string,
  ): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(mcpUrl(server, host), {
      authProvider: provider,
    })
    const client = new Client({ name: 'sdk-app', version: '1.0.0' })
    await client.connect(transport)
    clients.push(client)
    return { client, transport }
  }

  /** The whole first login: 401 → discovery → registration → consent in Chromium → code → tokens. */
  async function logIn(
    provider: TestProvider,
    server: string,
    answer: {
      reach?: 'server' | 'all'
      decision?: 'Allow' | 'Deny'
      host?: string
      context?: BrowserContext
    } = {},
  ): Promise<{ params: URLSearchParams; page: Page; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(mcpUrl(server, answer.host), {
      authProvider: provider,
    })
    await expect(
      new Client({ name: 'sdk-app', version: '1.0.0' }).connect(transport),
    ).rejects.toThrow(/nauthorized/)
    expect(provider.authorizationUrl?.pathname).toBe('/authorize')
    const page = await (answer.context ?? owner).newPage()
    pages.push(page)
    await page.goto(provider.authorizationUrl!.href)
    if (answer.context && answer.context !== owner)
      return { params: new URLSearchParams(), page, transport }
    const callback = listener.nextCallback()
    await answerConsent(page, answer)
    return { params: await callback, page, transport }
  }

  async function answerConsent(
    page: Page,
    answer: { reach?: 'server' | 'all'; decision?: 'Allow' | 'Deny' },
  ): Promise<void> {
    expect(new URL(page.url()).pathname).toBe('/authorize/consent')
    if (answer.reach) await page.locator(`input[name="reach"][value="${answer.reach}"]`).check()
    await page.getByRole('button', { name: answer.decision ?? 'Allow', exact: true }).click()
  }

  async function raw(server: string, token: string): Promise<Response> {
    return fetch(mcpUrl(server, '127.0.0.1'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
      body: INITIALIZE,
    })
  }

  async function decisionsLog(): Promise<string> {
    const files = (await readdir(join(home, 'logs'))).filter((name) => name.startsWith('decisions'))
    return (
      await Promise.all(files.map((name) => readFile(join(home, 'logs', name), 'utf8')))
    ).join('\n')
  }

  it('answers a request without a credential with 401 and a challenge naming the metadata, for both loopback names', async () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const response = await fetch(mcpUrl('open', host), {
        method: 'POST',
        headers: MCP_HEADERS,
        body: INITIALIZE,
      })
      expect(response.status).toBe(401)
      const metadataUrl = `http://${host}:${port}/.well-known/oauth-protected-resource/mcp/open`
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer resource_metadata="${metadataUrl}"`,
      )
      const resource = (await (await fetch(metadataUrl)).json()) as {
        resource: string
        authorization_servers: string[]
      }
      expect(resource).toMatchObject({
        resource: `http://${host}:${port}/mcp/open`,
        authorization_servers: [`http://${host}:${port}`],
      })
      const metadata = (await (
        await fetch(`http://${host}:${port}/.well-known/oauth-authorization-server`)
      ).json()) as Record<string, unknown>
      expect(metadata).toMatchObject({
        issuer: `http://${host}:${port}`,
        code_challenge_methods_supported: ['S256'],
        client_id_metadata_document_supported: true,
        authorization_response_iss_parameter_supported: true,
        registration_endpoint: `http://${host}:${port}/register`,
      })
    }
    const wrong = await raw('open', 'mob_at_not-a-token')
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('registers a client (DCR), asks the owner on the consent page, and the client lists and calls tools with its own token', async () => {
    const provider = new TestProvider('Claude <Code> e2e', `${listener.origin}/callback`)
    const { params, page, transport } = await logIn(provider, 'open', { reach: 'server' })
    expect(params.get('iss')).toBe(`http://localhost:${port}`)
    expect(params.get('code')).toBeTruthy()
    expect(provider.info?.client_id).toMatch(/^mob_client_/)
    await transport.finishAuth(params)
    expect(provider.saved?.access_token).toMatch(/^mob_at_/)
    expect(provider.saved?.refresh_token).toMatch(/^mob_rt_/)
    await page.close()

    const { client } = await connect(provider, 'open')
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('echo')
    const result = (await client.callTool({
      name: 'echo',
      arguments: { text: 'own token' },
    })) as ToolResult
    expect(result.content[0]?.text).toBe('own token')
    // The static header path still works alongside.
    expect(
      (
        await fetch(mcpUrl('open', '127.0.0.1'), {
          method: 'POST',
          headers: { ...MCP_HEADERS, authorization: header },
          body: INITIALIZE,
        })
      ).status,
    ).toBe(200)
    // Bound to "open": refused on "other" (401, invalid_token), never forwarded.
    const elsewhere = await raw('other', provider.saved!.access_token)
    expect(elsewhere.status).toBe(401)
    expect(elsewhere.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('shows the consent page escaped, unframeable, with the redirect URI and the choice of reach', async () => {
    const provider = new TestProvider('Claude <Code> e2e', `${listener.origin}/callback`)
    const { page } = await logIn(provider, 'open', { context: await browser.newContext() })
    await page.close()
    const consent = await owner.newPage()
    pages.push(consent)
    const response = await consent.goto(provider.authorizationUrl!.href)
    expect(response?.headers()['x-frame-options']).toBe('DENY')
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(await consent.locator('h1').textContent()).toBe(
      'Allow Claude <Code> e2e to use open through this bridge?',
    )
    expect(await consent.locator('body').textContent()).toContain(`${listener.origin}/callback`)
    expect(await consent.locator('input[name="reach"]').count()).toBe(2)
    expect(await consent.locator('input[name="csrf"]').count()).toBe(1)
  })

  it('uses a client ID metadata document on loopback, names the client from it on held calls (page and log), and "all servers" reaches both', async () => {
    listener.document = {
      client_id: `${listener.origin}/client-metadata.json`,
      client_name: 'Metadata Doc Client',
      redirect_uris: [`${listener.origin}/callback`],
    }
    const provider = new TestProvider(
      'ignored: the document names it',
      `${listener.origin}/callback`,
      `${listener.origin}/client-metadata.json`,
    )
    const { params, page, transport } = await logIn(provider, 'open', {
      reach: 'all',
      host: '127.0.0.1',
    })
    expect(params.get('iss')).toBe(`http://127.0.0.1:${port}`)
    await transport.finishAuth(params)
    await page.close()
    expect((await raw('other', provider.saved!.access_token)).status).toBe(200)

    const { client } = await connect(provider, 'open', '127.0.0.1')
    await client.listTools()
    const approvals = await owner.newPage()
    pages.push(approvals)
    await approvals.goto(`http://localhost:${port}/approvals`)
    await approvals.locator('#connection[data-state="live"]').waitFor()
    const call = client.callTool({ name: 'add', arguments: { a: 1, b: 2 } }) as Promise<ToolResult>
    const card = approvals.locator('article.card').filter({ hasText: 'add' })
    await card.waitFor()
    expect(await card.locator('.meta').textContent()).toContain('Metadata Doc Client')
    await card.getByRole('button', { name: 'Approve', exact: true }).click()
    expect((await call).content[0]?.text).toBe('3')
    await expect.poll(decisionsLog).toContain('Metadata Doc Client')
  })

  it('Deny sends the client access_denied with its state and the issuer', async () => {
    const provider = new TestProvider('Denied App', `${listener.origin}/callback`)
    const { params } = await logIn(provider, 'open', { decision: 'Deny' })
    expect(params.get('error')).toBe('access_denied')
    expect(params.get('state')).toMatch(/^state-/)
    expect(params.get('iss')).toBe(`http://localhost:${port}`)
    expect(params.get('code')).toBeNull()
  })

  it('refuses a non-loopback http redirect URI at registration', async () => {
    for (const uri of ['http://evil.example/callback', 'myapp://callback']) {
      const response = await fetch(`http://localhost:${port}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'x', redirect_uris: [uri] }),
      })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: string }).error).toBe('invalid_redirect_uri')
    }
  })

  it('rotates the refresh token; presenting the old one is refused and revokes the grant', async () => {
    const provider = new TestProvider('Refresher', `${listener.origin}/callback`)
    const { params, transport, page } = await logIn(provider, 'open', { reach: 'server' })
    await transport.finishAuth(params)
    await page.close()
    const first = provider.saved!
    const refresh = (token: string) =>
      fetch(`http://localhost:${port}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: token,
          client_id: provider.info!.client_id,
        }),
      })
    const rotated = (await (await refresh(first.refresh_token!)).json()) as Tokens
    expect(rotated.refresh_token).not.toBe(first.refresh_token)
    expect((await raw('open', rotated.access_token)).status).toBe(200)
    expect((await raw('open', first.access_token)).status).toBe(401)
    const replay = await refresh(first.refresh_token!)
    expect(replay.status).toBe(400)
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant')
    expect((await raw('open', rotated.access_token)).status).toBe(401)
  })

  it('keeps a request waiting while the owner signs in, and continues to the consent page after the login link', async () => {
    const stranger = await browser.newContext()
    const provider = new TestProvider('Patient App', `${listener.origin}/callback`)
    const { page, transport } = await logIn(provider, 'open', { context: stranger })
    expect(await page.locator('h1').textContent()).toBe(
      'Sign in to the bridge to answer Patient App',
    )
    expect(await page.locator('body').textContent()).toContain('mcp-oauth-bridge open --no-browser')
    // `demo` starts a bridge too: the page points at the link whichever command printed.
    expect(await page.locator('body').textContent()).toContain(
      'open the one-time login link the bridge printed when it started',
    )
    const fresh = await runCli(['open', '--no-browser'], env)
    expect(fresh.code, fresh.stderr).toBe(0)
    const callback = listener.nextCallback()
    await page.goto(fresh.stdout.trim())
    await answerConsent(page, { reach: 'server' })
    await transport.finishAuth(await callback)
    expect((await raw('open', provider.saved!.access_token)).status).toBe(200)
    await stranger.close()
  })

  it("Revoke on the dashboard and `clients revoke` each end a client's access at once", async () => {
    const viaPage = new TestProvider('Revoked On Page', `${listener.origin}/callback`)
    const viaCli = new TestProvider('Revoked In Terminal', `${listener.origin}/callback`)
    for (const provider of [viaPage, viaCli]) {
      const { params, transport, page } = await logIn(provider, 'open', { reach: 'server' })
      await transport.finishAuth(params)
      await page.close()
      expect((await raw('open', provider.saved!.access_token)).status).toBe(200)
    }

    const dashboard = await owner.newPage()
    pages.push(dashboard)
    await dashboard.goto(`http://localhost:${port}/`)
    const row = dashboard.locator('tr').filter({ hasText: 'Revoked On Page' })
    expect(await row.textContent()).toContain(viaPage.info!.client_id)
    expect(await row.textContent()).toContain('open')
    await row.getByRole('button', { name: 'Revoke' }).click()
    await dashboard.waitForURL(`http://localhost:${port}/`)
    expect(await dashboard.locator('tr').filter({ hasText: 'Revoked On Page' }).count()).toBe(0)
    expect((await raw('open', viaPage.saved!.access_token)).status).toBe(401)

    const listed = JSON.parse((await runCli(['clients', '--json'], env)).stdout) as Array<{
      clientId: string
      clientName: string
      servers: string[]
    }>
    expect(listed.find((client) => client.clientName === 'Revoked In Terminal')).toMatchObject({
      clientId: viaCli.info!.client_id,
      servers: ['open'],
    })
    const revoke = await runCli(['clients', 'revoke', viaCli.info!.client_id], env)
    expect(revoke.code, revoke.stderr).toBe(0)
    expect((await raw('open', viaCli.saved!.access_token)).status).toBe(401)
    expect((await runCli(['clients', 'revoke', viaCli.info!.client_id], env)).code).toBe(2)
  })
})
