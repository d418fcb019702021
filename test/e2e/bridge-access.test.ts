// Who may use the bridge: the Host and Origin guard, the bridge access token on /mcp/*, body
// limits, and the dashboard's one-time login link, cookie and CSRF token. Headers no browser
// would send are tested with node:http; the dashboard's Re-authorize runs in Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../fixtures/chromium.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'
import { startBridgeFor } from './bridge-setup.js'
import { loginLink } from './dashboard-sign-in.js'
import { raw } from '../support/raw-http.js'

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 't', version: '1' },
  },
})
const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
}

describe('bridge access control (default mode)', () => {
  let fixture: OAuthFixture
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  let header: string

  beforeAll(async () => {
    fixture = await startOAuthFixture({ requireAuth: false })
    ;({ env, bridge } = await startBridgeFor(
      { open: { url: fixture.mcpUrl, policy: 'allow' } },
      { auth: true },
    ))
    const connect = JSON.parse((await runCli(['connect', 'open', '--json'], env)).stdout) as {
      url: string
      headers: { Authorization: string }
    }
    // The port the running bridge got, found through its runtime file (config.json says 3000).
    expect(connect.url).toBe(`http://localhost:${new URL(bridge.url).port}/mcp/open`)
    header = connect.headers.Authorization
    expect(header).toMatch(/^Bearer mob_/)
  })
  afterAll(async () => {
    await bridge.stop()
    await fixture.close()
  })

  it('says at start which clients need the token, and the connect line that prints it', async () => {
    await bridge.waitForOutput(
      /Clients that log in to the bridge with OAuth \(Claude Code, Cursor, VS Code\) need no token: `mcp-oauth-bridge connect <name>` gives their URL\. Others send the bridge access token: `mcp-oauth-bridge connect <name> --token` prints the URL and header\./,
      0,
    )
  })

  it('serves an SDK client that sends the header `connect` printed', async () => {
    const client = new Client({ name: 't', version: '1' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/open`), {
        requestInit: { headers: { Authorization: header } },
      }),
    )
    expect((await client.listTools()).tools.length).toBeGreaterThan(0)
    await client.close()
  })

  it('carries the GET stream and the session DELETE, not only POSTs', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/open`), {
      requestInit: { headers: { Authorization: header } },
    })
    const client = new Client({ name: 't', version: '1' })
    await client.connect(transport)
    await bridge.waitForOutput(/ open GET 200 /, 0) // the client's own notification stream
    await transport.terminateSession()
    await bridge.waitForOutput(/ open DELETE 200 /, 0)
    const after = await raw(`${bridge.url}/mcp/open`, {
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        authorization: header,
        'mcp-session-id': transport.sessionId ?? 'gone',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    })
    expect(after.status).toBe(404) // the session is gone upstream, and the bridge says so unchanged
    await client.close()
  })

  it('refuses a missing or wrong bridge token with a 401 that says how to get it, and where to log in (RFC 9728)', async () => {
    const metadata = `${bridge.url}/.well-known/oauth-protected-resource/mcp/open`
    for (const authorization of [
      undefined,
      'Bearer mob_wrong',
      header.replace('Bearer ', 'Basic '),
    ]) {
      const response = await raw(`${bridge.url}/mcp/open`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, ...(authorization ? { authorization } : {}) },
        body: INITIALIZE,
      })
      expect(response.status).toBe(401)
      expect(JSON.parse(response.body).error.message).toContain('mcp-oauth-bridge connect open')
      expect(response.headers['www-authenticate']).toMatch(
        new RegExp(
          `^Bearer resource_metadata="${metadata}"${authorization ? ', error="invalid_token"' : '$'}`,
        ),
      )
    }
  })

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin, even with the token', async () => {
    const port = new URL(bridge.url).port
    const rebinding = await raw(`${bridge.url}/mcp/open`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: header, host: `evil.example.com:${port}` },
      body: INITIALIZE,
    })
    expect(rebinding.status).toBe(403)
    for (const origin of [
      'https://evil.example.com',
      `http://127.0.0.1:${Number(port) + 1}`,
      'null',
    ]) {
      const foreign = await raw(`${bridge.url}/mcp/open`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, authorization: header, origin },
        body: INITIALIZE,
      })
      expect(foreign.status).toBe(403)
      expect(JSON.parse(foreign.body).error.message).toMatch(/^Forbidden: /) // for a program: JSON-RPC, never a page
    }
    const own = await raw(`${bridge.url}/mcp/open`, {
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        authorization: header,
        origin: `http://localhost:${port}`,
        host: `localhost:${port}`,
      },
      body: INITIALIZE,
    })
    expect(own.status).toBe(200)
  })

  it('refuses an oversize body and answers malformed JSON-RPC with a parse error', async () => {
    const big = await raw(`${bridge.url}/mcp/open`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: header },
      body: Buffer.alloc(5 * 1024 * 1024, 32),
    })
    expect(big.status).toBe(413)
    const bad = await raw(`${bridge.url}/mcp/open`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: header },
      body: '{"jsonrpc":',
    })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body).error.code).toBe(-32700)
  })

  it('names the configured servers for an unknown one', async () => {
    const response = await raw(`${bridge.url}/mcp/nope`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: header },
      body: INITIALIZE,
    })
    expect(response.status).toBe(404)
    expect(JSON.parse(response.body).error.message).toMatch(
      /No server named "nope".*Configured: open/,
    )
  })

  it('lets the dashboard in only through the one-time login link, with a strict cookie', async () => {
    // Signed out by the 127.0.0.1 name: sent to localhost, the one host name its cookie is set for.
    const elsewhere = await raw(`${bridge.url}/`)
    expect(elsewhere.status).toBe(307)
    expect(elsewhere.headers.location).toBe(`http://localhost:${new URL(bridge.url).port}/`)
    const anonymous = await raw(`${bridge.url}/`, {
      headers: { host: `localhost:${new URL(bridge.url).port}` },
    })
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers['content-security-policy']).toContain("default-src 'none'")
    // `demo` starts a bridge too, and prints its own link: the page names no one command.
    expect(anonymous.body).toContain('such as the one the bridge printed when it started')
    expect(anonymous.body).not.toContain('mcp-oauth-bridge start')

    const link = await loginLink(bridge)
    const login = await raw(link.replace('localhost', '127.0.0.1'), {
      headers: { host: new URL(link).host },
    })
    expect(login.status).toBe(303)
    const cookie = String(login.headers['set-cookie'])
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    const again = await raw(link.replace('localhost', '127.0.0.1'), {
      headers: { host: new URL(link).host },
    })
    expect(again.status).toBe(403)

    const session = cookie.split(';')[0]!
    const dashboard = await raw(`${bridge.url}/`, { headers: { cookie: session } })
    expect(dashboard.status).toBe(200)
    expect(dashboard.body).toContain('/mcp/open')
    expect(dashboard.body).toContain(fixture.mcpUrl)
    expect(dashboard.body).not.toMatch(/<script/i)

    // An action without the page's CSRF token, or from another site, is refused.
    const forged = await raw(`${bridge.url}/servers/open/reauthorize`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=guess',
    })
    expect(forged.status).toBe(403)
    const crossSite = await raw(`${bridge.url}/servers/open/reauthorize`, {
      method: 'POST',
      headers: {
        cookie: session,
        origin: 'https://evil.example.com',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'csrf=guess',
    })
    expect(crossSite.status).toBe(403)
    // A person at a page reads the refusal: a page saying what to do, not JSON-RPC.
    expect(crossSite.headers['content-type']).toContain('text/html')
    expect(crossSite.headers['x-frame-options']).toBe('DENY')
    expect(crossSite.body).toContain('The bridge refused this request')
    expect(crossSite.body).toContain('mcp-oauth-bridge start --open')

    // `Origin: null` (a browser sending no referrer) proves nothing either way: the form's CSRF
    // token decides, unless fetch metadata names another site or port.
    const form = {
      cookie: session,
      origin: 'null',
      'content-type': 'application/x-www-form-urlencoded',
    }
    const nullGuess = await raw(`${bridge.url}/servers/open/reauthorize`, {
      method: 'POST',
      headers: form,
      body: 'csrf=guess',
    })
    expect(nullGuess.status).toBe(403)
    expect(nullGuess.body).toContain('This form did not come from the dashboard')
    // "open" needs no login, so the dashboard shows it no button; the session's token is the same on every page.
    const approvals = await raw(`${bridge.url}/approvals`, { headers: { cookie: session } })
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(approvals.body)![1]!
    const body = `csrf=${encodeURIComponent(csrf)}`
    const nullSameSite = await raw(`${bridge.url}/servers/open/reauthorize`, {
      method: 'POST',
      headers: { ...form, 'sec-fetch-site': 'same-site' },
      body,
    })
    expect(nullSameSite.status).toBe(403)
    expect(nullSameSite.body).toContain('The bridge refused this request')
    const nullNoSession = await raw(`${bridge.url}/servers/open/reauthorize`, {
      method: 'POST',
      headers: { ...form, cookie: '' },
      body,
    })
    expect(nullNoSession.status).toBe(401)
    // Accepted: the login starts, and the page says this server needs none.
    const nullWithToken = await raw(`${bridge.url}/servers/open/reauthorize`, {
      method: 'POST',
      headers: { ...form, 'sec-fetch-site': 'same-origin' },
      body,
    })
    expect(nullWithToken.body).toContain('Could not start the login for open')
    expect(nullWithToken.body).toContain('nothing to log in to')
  })
})

describe('bridge access control off (--no-auth)', () => {
  it('serves without the token, still checks Host, and refuses non-loopback addresses', async () => {
    const fixture = await startOAuthFixture({ requireAuth: false })
    const env = cliEnv(await makeHome())
    try {
      expect((await runCli(['add', 'open', fixture.mcpUrl], env)).code).toBe(0)
      const exposed = await runCli(['start', '--host', '0.0.0.0', '--no-auth'], env)
      expect(exposed.code).toBe(2)
      expect(exposed.stderr).toMatch(/loopback addresses only/)

      const bridge = await startBridgeProcess(env)
      try {
        await bridge.waitForOutput(/Access control is off/, 0)
        const ok = await raw(`${bridge.url}/mcp/open`, {
          method: 'POST',
          headers: MCP_HEADERS,
          body: INITIALIZE,
        })
        expect(ok.status).toBe(200)
        const rebinding = await raw(`${bridge.url}/mcp/open`, {
          method: 'POST',
          headers: { ...MCP_HEADERS, host: 'attacker.example:80' },
          body: INITIALIZE,
        })
        expect(rebinding.status).toBe(403)
      } finally {
        await bridge.stop()
      }
    } finally {
      await fixture.close()
    }
  })
})

describe('dashboard Re-authorize', () => {
  // Two logins, three command lines, a bridge and Chromium in one test: on a loaded two-core
  // machine that takes longer than the default 30 s, so it gets a budget of its own.
  it(
    'sends the browser to the login page and stores the new token when it comes back',
    { timeout: 90_000 },
    async () => {
      // Chromium starts while `add` logs in: neither needs the other.
      const browserStarted = launchChromium()
      browserStarted.catch(() => undefined) // awaited below; a failed launch fails the test there
      const fixture = await startOAuthFixture()
      const env = cliEnv(await makeHome())
      try {
        expect((await runCli(['add', 'demo', fixture.mcpUrl], env)).code).toBe(0)
        const before = (await runCli(['token', 'demo'], env)).stdout.trim()
        const bridge = await startBridgeProcess(env, [], { auth: true })
        try {
          const page = await (await browserStarted).newPage()
          // The provider's login page is a third party's (oidc-provider): Chromium stops at its
          // door, and the scripted client signs in there instead.
          let authorizationUrl: string | undefined
          await page.route(
            (url) => url.href.startsWith(fixture.issuer),
            (route) => {
              authorizationUrl ??= route.request().url()
              return route.fulfill({
                status: 200,
                contentType: 'text/html',
                body: '<!doctype html><title>provider</title><h1>provider</h1>',
              })
            },
          )
          expect((await page.goto(await loginLink(bridge)))?.status()).toBe(200)
          await page
            .locator('tr', { hasText: '/mcp/demo' })
            .getByRole('button', { name: 'Re-authorize' })
            .click()
          await page.waitForURL((url) => url.href.startsWith(fixture.issuer))
          expect(authorizationUrl).toBeDefined()
          const loggedIn = bridge.waitForOutput(/demo: logged in again/)
          const { completeBrowserLogin } = await import('../fixtures/browser-login.mjs')
          await completeBrowserLogin(authorizationUrl as string)
          await loggedIn
          const after = (await runCli(['token', 'demo'], env)).stdout.trim()
          expect(after).not.toBe(before)
        } finally {
          await bridge.stop()
        }
      } finally {
        await (await browserStarted.catch(() => undefined))?.close()
        await fixture.close()
      }
    },
  )
})
