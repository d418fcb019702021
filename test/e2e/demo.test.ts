// `mcp-oauth-bridge demo` end to end: the built CLI starts its OAuth-protected demo server, logs
// in to it through the real add/login path with a real Chromium as BROWSER pressing Allow on the
// consent page, serves it through the bridge, and prints next steps that work as printed. The
// dashboard and the consent page are then used in Chromium (login link, Re-authorize, forms from
// another local site refused), and the demo's authorization server is probed directly: escaping,
// CSRF, PKCE, refresh token rotation. Clients of both MCP eras (2026-07-28 on SDK v2, 2025-11-25
// on SDK 1.x) use it through the bridge and directly. Deny, pressed by the BROWSER program, ends the demo.
import { createHash, randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpSessions } from '../../src/demo/mcp-sessions.js'
import { launchChromium } from '../fixtures/chromium.js'
import { startFormSite, type FormSite } from '../fixtures/form-site.js'
import { ROOT, cliEnv, makeHome, runCli, spawnCli, type InteractiveCli } from './cli-process.js'

/** The BROWSER program: a real Chromium that presses Allow (or Deny) on the consent page. */
const CHROMIUM_BROWSER = join(ROOT, 'test/fixtures/chromium-browser.mjs')
const HOSTILE_NAME = '<img src=x onerror=alert(1)>'
const MODERN = '2026-07-28'
const LEGACY = '2025-11-25'
const DEMO_TOOLS = ['echo', 'add', 'get_time', 'send_money']

interface RunningDemo {
  cli: InteractiveCli
  /** The bridge, as printed on the "listening on" line. */
  bridgeUrl: string
  bridgePort: number
  /** The demo's own MCP endpoint (its issuer is the same origin). */
  mcpUrl: string
  /** The one-time dashboard login link the banner printed. */
  dashboardLink: string
  stdout(): string
}

async function startDemo(env: NodeJS.ProcessEnv): Promise<RunningDemo> {
  const cli = spawnCli(['demo', '--port', '0'], env)
  const [, bridgeUrl, bridgePort] = await cli.waitFor(/listening on (http:\/\/localhost:(\d+))/)
  const [, mcpUrl] = await cli.waitFor(
    / {2}demo +http:\/\/localhost:\d+\/mcp\/demo {2}-> {2}(http:\/\/127\.0\.0\.1:\d+\/mcp)\n/,
  )
  const [, dashboardLink] = await cli.waitFor(/dashboard\s+(http:\/\/localhost:\d+\/\?login=\S+)/)
  await cli.waitFor(/Press Ctrl-C/)
  return {
    cli,
    bridgeUrl: bridgeUrl as string,
    bridgePort: Number(bridgePort),
    mcpUrl: mcpUrl as string,
    dashboardLink: dashboardLink as string,
    stdout: () => cli.output(),
  }
}

/** Waits until output printed after offset `since` matches `pattern`. */
async function waitForOutputAfter(
  demo: RunningDemo,
  since: number,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pattern.test(demo.cli.output().slice(since))) {
    if (Date.now() > deadline)
      throw new Error(`No ${pattern} within ${timeoutMs} ms in:\n${demo.cli.output().slice(since)}`)
    await new Promise((resolveWait) => setTimeout(resolveWait, 25))
  }
}

async function stopWithCtrlC(demo: RunningDemo): Promise<number> {
  demo.cli.child.kill('SIGINT')
  return (await demo.cli.result).code
}

/** The bridge's URL and header for the demo, as `connect --json` prints them. */
async function bridgeConnection(
  env: NodeJS.ProcessEnv,
  port: number,
): Promise<{ url: URL; headers: Record<string, string> }> {
  const connect = await runCli(['connect', 'demo', '--json', '--port', String(port)], env)
  expect(connect.code).toBe(0)
  const { url, headers } = JSON.parse(connect.stdout) as {
    url: string
    headers: Record<string, string>
  }
  return { url: new URL(url), headers }
}

/** A 2025-11-25 client (SDK 1.x) through the bridge. */
async function connectThroughBridge(env: NodeJS.ProcessEnv, port: number): Promise<Client> {
  const { url, headers } = await bridgeConnection(env, port)
  const client = new Client({ name: 'demo-e2e', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }))
  return client
}

/** A 2026-07-28 client (SDK v2, pinned to that revision, so no initialize is ever sent). */
async function connectModern(
  url: URL,
  headers: Record<string, string>,
): Promise<{ client: ModernClient; transport: ModernTransport }> {
  const client = new ModernClient(
    { name: 'demo-e2e-modern', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: MODERN } } },
  )
  const transport = new ModernTransport(url, { requestInit: { headers } })
  await client.connect(transport)
  return { client, transport }
}

/** Polls `approvals --json` until a call of `tool` waits there. */
async function waitForHeldCall(
  env: NodeJS.ProcessEnv,
  port: number,
  tool: string,
  timeoutMs = 10_000,
): Promise<{ id: string }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const list = await runCli(['approvals', '--json', '--port', String(port)], env)
    const held =
      list.code === 0
        ? (JSON.parse(list.stdout) as Array<{ id: string; tool: string }>).find(
            (call) => call.tool === tool,
          )
        : undefined
    if (held) return held
    if (Date.now() > deadline)
      throw new Error(`No held ${tool} call within ${timeoutMs} ms: ${list.stdout}${list.stderr}`)
    await new Promise((resolveWait) => setTimeout(resolveWait, 100))
  }
}

function textOf(result: unknown): string {
  return ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text
}

/** The SDK snippet as printed, without the banner's indentation. */
function printedSnippet(stdout: string): string {
  const lines = stdout.split('\n')
  const first = lines.findIndex((line) => line.includes('import { Client }'))
  const last = lines.findIndex(
    (line, index) => index > first && line.includes('await client.close()'),
  )
  expect(first).toBeGreaterThan(-1)
  expect(last).toBeGreaterThan(first)
  return lines
    .slice(first, last + 1)
    .map((line) => line.replace(/^ {7}/, ''))
    .join('\n')
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

interface AuthorizationServerMetadata {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  registration_endpoint: string
  revocation_endpoint: string
}

/** Presses the Send button of a page from the form site; resolves with the answer to its POST. */
async function sendHostileForm(
  page: Page,
  url: string,
): Promise<{ status: number; contentType: string; origin: string | null; heading: string }> {
  await page.goto(url)
  const answered = page.waitForResponse((response) => response.request().method() === 'POST')
  await page.getByRole('button', { name: 'Send' }).click()
  const response = await answered
  await page.waitForLoadState('load')
  return {
    status: response.status(),
    contentType: response.headers()['content-type'] ?? '',
    origin: await response.request().headerValue('origin'),
    heading: await page.locator('h1').innerText(),
  }
}

describe('mcp-oauth-bridge demo', () => {
  let env: NodeJS.ProcessEnv
  let demo: RunningDemo
  let metadata: AuthorizationServerMetadata
  let browser: Browser
  let formSite: FormSite

  beforeAll(async () => {
    // First: without a browser these tests must fail, loudly, before anything else starts.
    browser = await launchChromium()
    formSite = await startFormSite()
    env = cliEnv(await makeHome(), { BROWSER: CHROMIUM_BROWSER })
    demo = await startDemo(env)
    metadata = (await (
      await fetch(new URL('/.well-known/oauth-authorization-server', demo.mcpUrl))
    ).json()) as AuthorizationServerMetadata
  })
  afterAll(async () => {
    demo?.cli.kill()
    await browser?.close()
    await formSite?.close()
  })

  it('logs in the way `add` does: discovery, registration, the consent page, tokens', async () => {
    // The browser program says it saw the callback page when that page has loaded, which may be
    // after the demo has taken the callback and printed its banner.
    await demo.cli.waitFor(/chromium-browser: the loopback callback page loaded/)
    const output = demo.stdout()
    expect(output).toContain(`Demo MCP server (OAuth-protected) running at ${demo.mcpUrl}`)
    expect(output).toContain(`Authorization server: ${new URL('/', demo.mcpUrl).href}`)
    expect(output).toContain('Registering a client (dynamic client registration)')
    expect(output).toContain('chromium-browser: pressing Allow on "Authorize mcp-oauth-bridge"')
    expect(output).toContain(
      'chromium-browser: the loopback callback page loaded: "You are signed in"',
    )
    expect(output).toContain('Logged in to "demo"')
  })

  it('prints what to do next: the approvals page, the policy hint and the exact Claude Code command', () => {
    const output = demo.stdout()
    expect(output).toContain(`  approvals        http://localhost:${demo.bridgePort}/approvals`)
    expect(output).toContain('mcp-oauth-bridge policy demo allow')
    expect(output).toMatch(
      new RegExp(
        `claude mcp add --transport http demo http://localhost:${demo.bridgePort}/mcp/demo --header "Authorization: Bearer mob_[\\w-]+"\\n`,
      ),
    )
  })

  it('is listed as ready, at this run’s URL', async () => {
    const list = await runCli(['list', '--json'], env)
    expect(list.code).toBe(0)
    const rows = JSON.parse(list.stdout) as Array<{
      name: string
      url: string
      state: string
      policy: string
    }>
    expect(rows.find((row) => row.name === 'demo')).toMatchObject({
      url: demo.mcpUrl,
      state: 'ready',
      policy: 'ask',
    })
  })

  it('holds a call for a person by default, and runs it once approved (here from the terminal)', async () => {
    const client = await connectThroughBridge(env, demo.bridgePort)
    const sending = client.callTool({ name: 'send_money', arguments: { to: 'Alice', amount: 5 } })
    const held = await waitForHeldCall(env, demo.bridgePort, 'send_money')
    expect(
      (await runCli(['approvals', 'approve', held.id, '--port', String(demo.bridgePort)], env))
        .code,
    ).toBe(0)
    expect(textOf(await sending)).toBe(
      'Pretended to send 5 to Alice. No money moved: this is the demo server.',
    )
    expect(demo.cli.output()).toMatch(/demo: send_money allowed/)

    const adding = client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })
    const heldAdd = await waitForHeldCall(env, demo.bridgePort, 'add')
    expect(
      (await runCli(['approvals', 'deny', heldAdd.id, '--port', String(demo.bridgePort)], env))
        .code,
    ).toBe(0)
    expect(((await adding) as { isError?: boolean }).isError).toBe(true)
    await client.close()
  })

  it('serves the demo tools through the bridge once they are allowed', async () => {
    const since = demo.cli.output().length
    expect((await runCli(['policy', 'demo', 'allow'], env)).code).toBe(0)
    await waitForOutputAfter(demo, since, /config\.json changed: reloaded/)
    const client = await connectThroughBridge(env, demo.bridgePort)
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).toEqual(['echo', 'add', 'get_time', 'send_money'])
    expect(tools.find((tool) => tool.name === 'send_money')?.description).toMatch(/approvals/)
    expect(textOf(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5')
    expect(
      textOf(await client.callTool({ name: 'send_money', arguments: { to: 'Bob', amount: 20 } })),
    ).toBe('Pretended to send 20 to Bob. No money moved: this is the demo server.')
    await client.close()
  })

  describe('both MCP eras', () => {
    it('serves a 2026-07-28 client (SDK v2) through the bridge: list, call', async () => {
      const { url, headers } = await bridgeConnection(env, demo.bridgePort)
      const { client } = await connectModern(url, headers)
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe(MODERN)
        const { tools } = await client.listTools()
        expect(tools.map((tool) => tool.name)).toEqual(DEMO_TOOLS)
        expect(textOf(await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } }))).toBe(
          '42',
        )
      } finally {
        await client.close()
      }
    })

    it('serves a 2025-11-25 client (SDK 1.x) through the bridge: list, call', async () => {
      const { url, headers } = await bridgeConnection(env, demo.bridgePort)
      const client = new Client({ name: 'demo-e2e-legacy', version: '1.0.0' })
      const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } })
      await client.connect(transport)
      try {
        expect(transport.protocolVersion).toBe(LEGACY)
        const { tools } = await client.listTools()
        expect(tools.map((tool) => tool.name)).toEqual(DEMO_TOOLS)
        expect(
          textOf(await client.callTool({ name: 'echo', arguments: { text: 'from 2025' } })),
        ).toBe('from 2025')
      } finally {
        await client.close()
      }
    })

    it('answers both eras on its own URL: a session for the 2025 client, none for the 2026-07-28 one, the same tools', async () => {
      const token = (await runCli(['token', 'demo'], env)).stdout.trim()
      const headers = { authorization: `Bearer ${token}` }
      const legacyTransport = new StreamableHTTPClientTransport(new URL(demo.mcpUrl), {
        requestInit: { headers },
      })
      const legacy = new Client({ name: 'demo-e2e-direct', version: '1.0.0' })
      await legacy.connect(legacyTransport)
      const modern = await connectModern(new URL(demo.mcpUrl), headers)
      try {
        expect(legacyTransport.protocolVersion).toBe(LEGACY)
        expect(legacyTransport.sessionId).toMatch(/^[0-9a-f-]{36}$/)
        expect(modern.client.getNegotiatedProtocolVersion()).toBe(MODERN)
        expect(modern.transport.sessionId).toBeUndefined()
        const [legacyTools, modernTools] = await Promise.all([
          legacy.listTools(),
          modern.client.listTools(),
        ])
        expect(modernTools.tools).toEqual(legacyTools.tools)
        expect(modernTools.tools.find((tool) => tool.name === 'send_money')?.annotations).toEqual({
          destructiveHint: true,
          idempotentHint: false,
          openWorldHint: false,
        })
        expect(textOf(await legacy.callTool({ name: 'add', arguments: { a: 1, b: 2 } }))).toBe('3')
        expect(
          textOf(await modern.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })),
        ).toBe('3')
      } finally {
        await legacy.close()
        await modern.client.close()
      }
    })

    it('asks a request of either era without a token to log in, with the same challenge', async () => {
      const post = (message: object, headers: Record<string, string> = {}) =>
        fetch(demo.mcpUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...headers,
          },
          body: JSON.stringify(message),
        })
      const legacy = await post({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: LEGACY,
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      })
      const modern = await post(
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'server/discover',
          params: {
            _meta: {
              'io.modelcontextprotocol/protocolVersion': MODERN,
              'io.modelcontextprotocol/clientCapabilities': {},
              'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
            },
          },
        },
        { 'mcp-protocol-version': MODERN, 'mcp-method': 'server/discover' },
      )
      const metadataUrl = new URL('/.well-known/oauth-protected-resource/mcp', demo.mcpUrl).href
      for (const refused of [legacy, modern]) {
        expect(refused.status).toBe(401)
        expect(refused.headers.get('www-authenticate')).toBe(
          `Bearer error="invalid_token", error_description="Missing Authorization header", scope="mcp:tools", resource_metadata="${metadataUrl}"`,
        )
        expect(await refused.json()).toEqual({
          error: 'invalid_token',
          error_description: 'Missing Authorization header',
        })
      }
      expect(await (await fetch(metadataUrl)).json()).toMatchObject({
        resource: demo.mcpUrl,
        authorization_servers: [new URL('/', demo.mcpUrl).href],
        scopes_supported: ['mcp:tools'],
      })
    })

    it('is recorded in config.json as a 2026-07-28 server, whichever era its clients spoke', async () => {
      const config = JSON.parse(
        await readFile(join(env.MCP_OAUTH_BRIDGE_HOME as string, 'config.json'), 'utf8'),
      ) as { servers: Record<string, { url: string; era?: string }> }
      expect(config.servers.demo).toMatchObject({ url: demo.mcpUrl, era: MODERN })
    })
  })

  it('prints an SDK snippet that runs as printed', async () => {
    const snippet = printedSnippet(demo.stdout())
    expect(snippet.split('\n')).toHaveLength(10)
    // Run from the repository so the snippet's imports resolve to the installed SDK.
    const child = spawn(process.execPath, ['--input-type=module', '-e', snippet], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const [code] = (await once(child, 'close')) as [number]
    expect(output).toContain("[ 'echo', 'add', 'get_time', 'send_money' ]")
    expect(output).toContain("[ { type: 'text', text: '5' } ]")
    expect(code).toBe(0)
  })

  describe('the bridge’s pages in Chromium', () => {
    /** The browser that opened the login link: it holds the dashboard session cookie. */
    let signedIn: BrowserContext
    /** The dashboard as that browser sees it (the login link's origin). */
    let base: string

    afterAll(() => signedIn?.close())

    it('lets the dashboard in through the one-time login link, and only once', async () => {
      base = new URL(demo.dashboardLink).origin
      signedIn = await browser.newContext()
      const page = await signedIn.newPage()
      const response = await page.goto(demo.dashboardLink)
      expect(response?.status()).toBe(200)
      expect(page.url()).toBe(`${base}/`) // the nonce left the address bar
      expect(await page.title()).toBe('mcp-oauth-bridge')
      await page.locator('td', { hasText: demo.mcpUrl }).waitFor()
      const cookie = (await signedIn.cookies(base)).find(
        (candidate) => candidate.name === 'mcp_oauth_bridge_session',
      )
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' })

      const stranger = await browser.newContext()
      try {
        const again = await stranger.newPage()
        expect((await again.goto(demo.dashboardLink))?.status()).toBe(403)
        expect(await again.locator('h1').innerText()).toBe(
          'This login link was already used or is not valid',
        )
        expect((await again.goto(`${base}/`))?.status()).toBe(401)
      } finally {
        await stranger.close()
      }
    })

    it('re-authorizes from the dashboard: the button, the demo’s consent page, Allow, the loopback callback, new tokens', async () => {
      const before = (await runCli(['token', 'demo'], env)).stdout.trim()
      const page = await signedIn.newPage()
      await page.goto(`${base}/`)
      const since = demo.cli.output().length
      await page
        .locator('tr', { hasText: '/mcp/demo' })
        .getByRole('button', { name: 'Re-authorize' })
        .click()
      // "Continue to log in" sends the same browser on to the authorization server at once.
      await page.waitForURL(
        (url) => url.origin === new URL(demo.mcpUrl).origin && url.pathname === '/authorize',
      )
      expect(await page.title()).toBe('Authorize mcp-oauth-bridge')
      await page.getByRole('button', { name: 'Allow' }).click()
      await page.waitForURL((url) => url.hostname === '127.0.0.1' && url.pathname === '/callback')
      expect(await page.locator('h1').innerText()).toBe('You are signed in')
      // Started from the dashboard, so the return page leads back to it (not "return to the terminal").
      const back = page.getByRole('link', { name: 'Back to the dashboard' })
      expect(await back.getAttribute('href')).toBe(`http://localhost:${demo.bridgePort}/`)
      expect(await page.locator('body').innerText()).not.toContain('terminal')
      await waitForOutputAfter(demo, since, /demo: logged in again\./)
      await back.click()
      await page.waitForURL(`http://localhost:${demo.bridgePort}/`)
      // Signed in still (the SameSite=Strict cookie is not sent from the provider's page; the dashboard loads itself again).
      expect(
        await page.locator('tr', { hasText: '/mcp/demo' }).innerText({ timeout: 5_000 }),
      ).toMatch(/until \d\d:\d\d \(in \d+ (min|h)\)/)
      const after = (await runCli(['token', 'demo'], env)).stdout.trim()
      expect(after).toMatch(/^\S+$/)
      expect(after).not.toBe(before)
      await page.close()
    })

    it('refuses the dashboard’s form posted by a page on another local port, with a page that says what to do', async () => {
      const page = await signedIn.newPage()
      await page.goto(`${base}/`)
      // Even holding the right CSRF token, another origin is refused; with no-referrer its
      // Origin is null, and fetch metadata still names it (same-site: only the port differs).
      const csrf = (await page.locator('input[name="csrf"]').first().getAttribute('value')) ?? ''
      expect(csrf).not.toBe('')
      const since = demo.cli.output().length
      for (const referrerPolicy of ['strict-origin-when-cross-origin', 'no-referrer']) {
        const attack = await signedIn.newPage()
        const answer = await sendHostileForm(
          attack,
          formSite.pageFor('localhost', {
            action: `${base}/servers/demo/reauthorize`,
            fields: { csrf },
            referrerPolicy,
          }),
        )
        expect(answer.origin).toBe(
          referrerPolicy === 'no-referrer' ? 'null' : `http://localhost:${formSite.port}`,
        )
        expect(answer.status).toBe(403)
        expect(answer.contentType).toContain('text/html')
        expect(answer.heading).toBe('The bridge refused this request')
        expect(await attack.locator('body').innerText()).toContain('mcp-oauth-bridge start --open')
        await attack.close()
      }
      expect(demo.cli.output().slice(since)).not.toContain('demo: ')
      await page.close()
    })

    it('refuses a consent answer posted by a page on another local port; the consent page itself still answers', async () => {
      const context = await browser.newContext()
      try {
        const redirectUri = 'http://127.0.0.1:9/callback'
        const registration = await fetch(metadata.registration_endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            client_name: 'browser test',
            redirect_uris: [redirectUri],
            token_endpoint_auth_method: 'none',
          }),
        })
        const { client_id: clientId } = (await registration.json()) as { client_id: string }
        const authorize = new URL(metadata.authorization_endpoint)
        for (const [key, value] of Object.entries({
          response_type: 'code',
          client_id: clientId,
          redirect_uri: redirectUri,
          state: 'state-b',
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
          resource: demo.mcpUrl,
        }))
          authorize.searchParams.set(key, value)
        // Nothing listens at the client's redirect URI: the test stands in for the client.
        const delivered: URL[] = []
        await context.route(`${redirectUri}**`, (route) => {
          delivered.push(new URL(route.request().url()))
          return route.fulfill({
            status: 200,
            contentType: 'text/html',
            body: '<!doctype html><title>client</title><h1>client</h1>',
          })
        })
        const consent = await context.newPage()
        expect((await consent.goto(authorize.href))?.status()).toBe(200)
        // The attacker is given the page's own tokens: Origin and fetch metadata alone refuse it.
        const fields = {
          request_id:
            (await consent.locator('input[name="request_id"]').getAttribute('value')) ?? '',
          csrf_token:
            (await consent.locator('input[name="csrf_token"]').getAttribute('value')) ?? '',
          decision: 'allow',
        }
        for (const referrerPolicy of ['strict-origin-when-cross-origin', 'no-referrer']) {
          const attack = await context.newPage()
          const answer = await sendHostileForm(
            attack,
            formSite.pageFor('127.0.0.1', {
              action: new URL('/consent', demo.mcpUrl).href,
              fields,
              referrerPolicy,
            }),
          )
          expect(answer.origin).toBe(
            referrerPolicy === 'no-referrer' ? 'null' : `http://127.0.0.1:${formSite.port}`,
          )
          expect(answer.status).toBe(403)
          expect(answer.heading).toBe('This answer came from another site')
          await attack.close()
        }
        expect(delivered).toEqual([])

        await consent.getByRole('button', { name: 'Deny' }).click()
        await consent.waitForURL((url) => url.href.startsWith(redirectUri))
        expect(delivered).toHaveLength(1)
        expect(Object.fromEntries(delivered[0]!.searchParams)).toMatchObject({
          error: 'access_denied',
          state: 'state-b',
          iss: metadata.issuer,
        })
      } finally {
        await context.close()
      }
    })
  })

  describe('its authorization server', () => {
    let hostileClientId: string
    let consentUrl: URL
    const pkce = pkcePair()
    const redirectUri = 'http://127.0.0.1:9/callback'

    beforeAll(async () => {
      const registration = await fetch(metadata.registration_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: HOSTILE_NAME,
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'none',
        }),
      })
      expect(registration.status).toBe(201)
      hostileClientId = ((await registration.json()) as { client_id: string }).client_id
      consentUrl = new URL(metadata.authorization_endpoint)
      for (const [key, value] of Object.entries({
        response_type: 'code',
        client_id: hostileClientId,
        redirect_uri: redirectUri,
        state: 'state-1',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
        resource: demo.mcpUrl,
      }))
        consentUrl.searchParams.set(key, value)
    })

    async function openConsentPage(): Promise<{
      html: string
      csp: string
      cookie: string
      requestId: string
      csrfToken: string
    }> {
      const page = await fetch(consentUrl, { redirect: 'manual' })
      expect(page.status).toBe(200)
      const html = await page.text()
      return {
        html,
        csp: page.headers.get('content-security-policy') ?? '',
        cookie: page.headers
          .getSetCookie()
          .map((cookie) => cookie.split(';')[0])
          .join('; '),
        requestId: /name="request_id" value="([^"]+)"/.exec(html)?.[1] ?? '',
        csrfToken: /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] ?? '',
      }
    }

    function answer(
      consent: { requestId: string; csrfToken: string },
      decision: string,
      headers: Record<string, string>,
    ): Promise<Response> {
      return fetch(new URL('/consent', demo.mcpUrl), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({
          request_id: consent.requestId,
          csrf_token: consent.csrfToken,
          decision,
        }),
      })
    }

    it('escapes a hostile client_name on the consent page, under a CSP with no script', async () => {
      const { html, csp } = await openConsentPage()
      expect(html).not.toContain('<img')
      expect(html).toContain(
        '<span class="client">&lt;img src=x onerror=alert(1)&gt;</span> wants to use the Demo MCP server',
      )
      expect(html).toMatch(
        /<button type="submit" name="decision" value="allow"[^>]*>Allow<\/button>/,
      )
      expect(html).toMatch(/<button type="submit" name="decision" value="deny">Deny<\/button>/)
      expect(csp).toContain("default-src 'none'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("form-action 'self' http://127.0.0.1:9")
      expect(csp).not.toContain('unsafe-inline')
    })

    it('takes Allow only with the page’s CSRF token, from the browser that loaded the page', async () => {
      const consent = await openConsentPage()
      const withoutCookie = await answer(consent, 'allow', { origin: new URL(demo.mcpUrl).origin })
      expect(withoutCookie.status).toBe(403)
      expect(withoutCookie.headers.get('location')).toBeNull()
      const fromAnotherSite = await answer(consent, 'allow', {
        cookie: consent.cookie,
        origin: 'https://evil.example',
      })
      expect(fromAnotherSite.status).toBe(403)
      const withWrongToken = await answer({ ...consent, csrfToken: 'x'.repeat(43) }, 'allow', {
        cookie: consent.cookie,
      })
      expect(withWrongToken.status).toBe(403)
      // `Origin: null` proves nothing either way: the tokens decide, and fetch metadata when sent.
      const nullWithWrongToken = await answer({ ...consent, csrfToken: 'x'.repeat(43) }, 'allow', {
        cookie: consent.cookie,
        origin: 'null',
      })
      expect(nullWithWrongToken.status).toBe(403)
      const nullFromAnotherPort = await answer(consent, 'allow', {
        cookie: consent.cookie,
        origin: 'null',
        'sec-fetch-site': 'same-site',
      })
      expect(nullFromAnotherPort.status).toBe(403)

      const denied = await answer(consent, 'deny', {
        cookie: consent.cookie,
        origin: new URL(demo.mcpUrl).origin,
      })
      expect(denied.status).toBe(303)
      const back = new URL(denied.headers.get('location') ?? '')
      expect(`${back.origin}${back.pathname}`).toBe(redirectUri)
      expect(Object.fromEntries(back.searchParams)).toMatchObject({
        error: 'access_denied',
        state: 'state-1',
        iss: metadata.issuer,
      })
      expect((await answer(consent, 'allow', { cookie: consent.cookie })).status).toBe(400) // answered already
    })

    it('checks PKCE, binds tokens to the MCP URL, rotates refresh tokens and revokes on reuse', async () => {
      const consent = await openConsentPage()
      const allowed = await answer(consent, 'allow', {
        cookie: consent.cookie,
        origin: 'null',
        'sec-fetch-site': 'same-origin',
      })
      expect(allowed.status).toBe(303)
      const code = new URL(allowed.headers.get('location') ?? '').searchParams.get('code') ?? ''
      const token = (params: Record<string, string>) =>
        fetch(metadata.token_endpoint, {
          method: 'POST',
          body: new URLSearchParams({ client_id: hostileClientId, ...params }),
        })

      const exchange = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        resource: demo.mcpUrl,
      }
      const wrongVerifier = await token({ ...exchange, code_verifier: pkcePair().verifier })
      expect(wrongVerifier.status).toBe(400)
      expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' })
      const issued = await token({ ...exchange, code_verifier: pkce.verifier })
      expect(issued.status).toBe(200)
      const first = (await issued.json()) as {
        access_token: string
        refresh_token: string
        expires_in: number
        scope: string
      }
      expect(first).toMatchObject({ expires_in: 3600, scope: 'mcp:tools' })

      const mcp = (accessToken: string) =>
        fetch(demo.mcpUrl, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${accessToken}`,
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
      const accepted = await mcp(first.access_token)
      expect(accepted.status).toBe(200)
      await accepted.body?.cancel()

      const elsewhere = await token({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token,
        resource: 'http://127.0.0.1:1/other',
      })
      expect(await elsewhere.json()).toMatchObject({ error: 'invalid_target' })
      const rotated = await token({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token,
      })
      expect(rotated.status).toBe(200)
      const second = (await rotated.json()) as { access_token: string; refresh_token: string }
      expect(second.refresh_token).not.toBe(first.refresh_token)

      const replay = await token({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token,
      })
      expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
      // Reuse revoked the whole grant: the successor refresh token and every access token too.
      expect(
        await (
          await token({ grant_type: 'refresh_token', refresh_token: second.refresh_token })
        ).json(),
      ).toMatchObject({ error: 'invalid_grant' })
      const refused = await mcp(second.access_token)
      expect(refused.status).toBe(401)
      expect(refused.headers.get('www-authenticate')).toContain('resource_metadata="')
      await refused.body?.cancel()
    })
  })

  it('stops both servers on Ctrl-C and exits 0', async () => {
    expect(await stopWithCtrlC(demo)).toBe(0)
    expect(demo.cli.output()).toContain('Stopped.')
    await expect(fetch(demo.mcpUrl)).rejects.toThrow()
  })

  it('runs again on the same home: a new URL, a fresh login, the policy kept', async () => {
    const again = await startDemo(env)
    try {
      expect(again.mcpUrl).not.toBe(demo.mcpUrl)
      expect(again.stdout()).toContain(
        `"demo" pointed at ${demo.mcpUrl} (an earlier demo run): updated, and logging in again.`,
      )
      const rows = JSON.parse((await runCli(['list', '--json'], env)).stdout) as Array<{
        name: string
        url: string
        state: string
        policy: string
      }>
      expect(rows.find((row) => row.name === 'demo')).toMatchObject({
        url: again.mcpUrl,
        state: 'ready',
        policy: 'allow',
      })
      const client = await connectThroughBridge(env, again.bridgePort)
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'again' } }))).toBe(
        'again',
      )
      await client.close()
    } finally {
      expect(await stopWithCtrlC(again)).toBe(0)
    }
  })
})

describe('mcp-oauth-bridge demo, when the person presses Deny', () => {
  it('stops with exit 1 after Chromium pressed Deny and the callback page said so', async () => {
    const env = cliEnv(await makeHome(), {
      BROWSER: CHROMIUM_BROWSER,
      DEMO_BROWSER_DECISION: 'deny',
    })
    const result = await runCli(['demo', '--port', '0'], env)
    const output = result.stdout + result.stderr
    expect(output).toContain('chromium-browser: pressing Deny on "Authorize mcp-oauth-bridge"')
    expect(output).toContain(
      'chromium-browser: the loopback callback page loaded: "Authorization was not completed"',
    )
    expect(result.stderr).toContain(
      'The authorization server refused: "access_denied" ("The person denied access on the consent page.")',
    )
    expect(result.code).toBe(1)
  }, 60_000)
})

// The demo's 2025-era sessions, driven with web-standard requests on the SDK's own transport and a
// clock the test moves: abandoned sessions end, another client's token cannot use one, a refused
// initialize leaves no transport behind, and a full server says what a person can do.
describe('the demo’s 2025-era sessions', () => {
  const MINUTE = 60_000
  const authOf = (clientId: string) => ({
    token: `token-of-${clientId}`,
    clientId,
    scopes: ['mcp'],
  })
  const post = (
    body: unknown,
    sessionId?: string,
    accept = 'application/json, text/event-stream',
  ) =>
    new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept,
        ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY } : {}),
      },
      body: JSON.stringify(body),
    })
  const initializeBody = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: LEGACY,
      capabilities: {},
      clientInfo: { name: 'sessions-test', version: '1' },
    },
  }

  const setUp = (options: { maxSessions?: number } = {}) => {
    let clock = 0
    const sessions = createMcpSessions({ ...options, idleMs: 30 * MINUTE, now: () => clock })
    const open = async (clientId: string): Promise<string> => {
      const answer = await sessions.handle(post(initializeBody), {
        parsedBody: initializeBody,
        authInfo: authOf(clientId),
      })
      expect(answer.status).toBe(200)
      await answer.text()
      const id = answer.headers.get('mcp-session-id')
      expect(id).toBeTruthy()
      return id as string
    }
    const ping = async (sessionId: string, clientId: string): Promise<Response> => {
      const body = { jsonrpc: '2.0', id: 2, method: 'ping' }
      const answer = await sessions.handle(post(body, sessionId), {
        parsedBody: body,
        authInfo: authOf(clientId),
      })
      await answer.clone().text()
      return answer
    }
    return { sessions, open, ping, advance: (ms: number) => (clock += ms) }
  }

  it('closes a session after 30 minutes without a request, counted from its last one', async () => {
    const { sessions, open, ping, advance } = setUp()
    const kept = await open('client-a')
    const abandoned = await open('client-a')
    advance(20 * MINUTE)
    expect((await ping(kept, 'client-a')).status).toBe(200)
    advance(20 * MINUTE)
    expect((await ping(abandoned, 'client-a')).status).toBe(404)
    expect((await ping(kept, 'client-a')).status).toBe(200)
    expect(sessions.openCount()).toBe(1)
    await sessions.closeAll()
  })

  it('refuses a session to a token of another client', async () => {
    const { sessions, open, ping } = setUp()
    const id = await open('client-a')
    const stranger = await ping(id, 'client-b')
    expect(stranger.status).toBe(403)
    expect(((await stranger.json()) as { error: { message: string } }).error.message).toContain(
      'opened by another client',
    )
    expect((await ping(id, 'client-a')).status).toBe(200)
    await sessions.closeAll()
  })

  it('closes the transport of an initialize refused before its session began', async () => {
    const { sessions } = setUp()
    const refused = await sessions.handle(post(initializeBody, undefined, 'text/plain'), {
      parsedBody: initializeBody,
      authInfo: authOf('client-a'),
    })
    expect(refused.status).toBe(406)
    expect(sessions.openCount()).toBe(0)
    await sessions.closeAll()
  })

  it('when full, says how sessions end and how to start fresh, and takes new ones once idle ones closed', async () => {
    const { sessions, open, advance } = setUp({ maxSessions: 2 })
    await open('client-a')
    await open('client-b')
    const full = await sessions.handle(post(initializeBody), {
      parsedBody: initializeBody,
      authInfo: authOf('client-c'),
    })
    expect(full.status).toBe(503)
    const { message } = ((await full.json()) as { error: { message: string } }).error
    expect(message).toContain('2 sessions open')
    expect(message).toContain('close after 30 minutes without a request')
    expect(message).toContain('stop the demo (Ctrl-C) and run `mcp-oauth-bridge demo` again')
    expect(message).not.toContain('DELETE')
    advance(31 * MINUTE)
    await open('client-c')
    expect(sessions.openCount()).toBe(1)
    await sessions.closeAll()
  })
})
