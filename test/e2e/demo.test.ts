// `mcp-oauth-bridge demo` end to end: the built CLI starts its OAuth-protected demo server, logs
// in to it through the real add/login path with a scripted browser that answers the consent
// page, serves it through the bridge, and prints next steps that work as printed. The demo's
// authorization server is then probed directly: escaping, CSRF, PKCE, refresh token rotation.
import { createHash, randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, cliEnv, makeHome, runCli, spawnCli, type InteractiveCli } from './cli-process.js'

const DEMO_BROWSER = join(ROOT, 'test/fixtures/demo-browser.mjs')
const HOSTILE_NAME = '<img src=x onerror=alert(1)>'

interface RunningDemo {
  cli: InteractiveCli
  /** The bridge, as printed on the "listening on" line. */
  bridgeUrl: string
  bridgePort: number
  /** The demo's own MCP endpoint (its issuer is the same origin). */
  mcpUrl: string
  stdout(): string
}

async function startDemo(env: NodeJS.ProcessEnv): Promise<RunningDemo> {
  const cli = spawnCli(['demo', '--port', '0'], env)
  const [, bridgeUrl, bridgePort] = await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:(\d+))/)
  const [, mcpUrl] = await cli.waitFor(/ {2}demo +http:\/\/127\.0\.0\.1:\d+\/mcp\/demo {2}-> {2}(http:\/\/127\.0\.0\.1:\d+\/mcp)\n/)
  await cli.waitFor(/Press Ctrl-C/)
  return {
    cli,
    bridgeUrl: bridgeUrl as string,
    bridgePort: Number(bridgePort),
    mcpUrl: mcpUrl as string,
    stdout: () => cli.output(),
  }
}

/** Waits until output printed after offset `since` matches `pattern`. */
async function waitForOutputAfter(demo: RunningDemo, since: number, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pattern.test(demo.cli.output().slice(since))) {
    if (Date.now() > deadline) throw new Error(`No ${pattern} within ${timeoutMs} ms in:\n${demo.cli.output().slice(since)}`)
    await new Promise((resolveWait) => setTimeout(resolveWait, 25))
  }
}

async function stopWithCtrlC(demo: RunningDemo): Promise<number> {
  demo.cli.child.kill('SIGINT')
  return (await demo.cli.result).code
}

async function connectThroughBridge(env: NodeJS.ProcessEnv, port: number): Promise<Client> {
  const connect = await runCli(['connect', 'demo', '--json', '--port', String(port)], env)
  expect(connect.code).toBe(0)
  const { url, headers } = JSON.parse(connect.stdout) as { url: string; headers: Record<string, string> }
  const client = new Client({ name: 'demo-e2e', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }))
  return client
}

/** Polls `approvals --json` until a call of `tool` waits there. */
async function waitForHeldCall(env: NodeJS.ProcessEnv, port: number, tool: string, timeoutMs = 10_000): Promise<{ id: string }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const list = await runCli(['approvals', '--json', '--port', String(port)], env)
    const held = list.code === 0 ? (JSON.parse(list.stdout) as Array<{ id: string; tool: string }>).find((call) => call.tool === tool) : undefined
    if (held) return held
    if (Date.now() > deadline) throw new Error(`No held ${tool} call within ${timeoutMs} ms: ${list.stdout}${list.stderr}`)
    await new Promise((resolveWait) => setTimeout(resolveWait, 100))
  }
}

function textOf(result: unknown): string {
  return ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text
}

/** The SDK snippet as printed, without the banner's indentation. */
function printedSnippet(stdout: string): string {
  const lines = stdout.split('\n')
  const first = lines.findIndex((line) => line.includes("import { Client }"))
  const last = lines.findIndex((line, index) => index > first && line.includes('await client.close()'))
  expect(first).toBeGreaterThan(-1)
  expect(last).toBeGreaterThan(first)
  return lines.slice(first, last + 1).map((line) => line.replace(/^ {7}/, '')).join('\n')
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

describe('mcp-oauth-bridge demo', () => {
  let env: NodeJS.ProcessEnv
  let demo: RunningDemo
  let metadata: AuthorizationServerMetadata

  beforeAll(async () => {
    env = cliEnv(await makeHome(), { BROWSER: DEMO_BROWSER })
    demo = await startDemo(env)
    metadata = (await (await fetch(new URL('/.well-known/oauth-authorization-server', demo.mcpUrl))).json()) as AuthorizationServerMetadata
  })
  afterAll(() => demo?.cli.kill())

  it('logs in the way `add` does: discovery, registration, the consent page, tokens', () => {
    const output = demo.stdout()
    expect(output).toContain(`Demo MCP server (OAuth-protected) running at ${demo.mcpUrl}`)
    expect(output).toContain(`Authorization server: ${new URL('/', demo.mcpUrl).href}`)
    expect(output).toContain('Registering a client (dynamic client registration)')
    expect(output).toContain('demo-browser: POST')
    expect(output).toContain('Logged in to "demo"')
  })

  it('prints what to do next: the approvals page, the policy hint and the exact Claude Code command', () => {
    const output = demo.stdout()
    expect(output).toContain(`  approvals        http://localhost:${demo.bridgePort}/approvals`)
    expect(output).toContain('mcp-oauth-bridge policy demo allow')
    expect(output).toMatch(new RegExp(`claude mcp add --transport http demo http://localhost:${demo.bridgePort}/mcp/demo --header "Authorization: Bearer mob_[\\w-]+"\\n`))
  })

  it('is listed as ready, at this run’s URL', async () => {
    const list = await runCli(['list', '--json'], env)
    expect(list.code).toBe(0)
    const rows = JSON.parse(list.stdout) as Array<{ name: string; url: string; state: string; policy: string }>
    expect(rows.find((row) => row.name === 'demo')).toMatchObject({ url: demo.mcpUrl, state: 'ready', policy: 'ask' })
  })

  it('holds a call for a person by default, and runs it once approved (here from the terminal)', async () => {
    const client = await connectThroughBridge(env, demo.bridgePort)
    const sending = client.callTool({ name: 'send_money', arguments: { to: 'Alice', amount: 5 } })
    const held = await waitForHeldCall(env, demo.bridgePort, 'send_money')
    expect((await runCli(['approvals', 'approve', held.id, '--port', String(demo.bridgePort)], env)).code).toBe(0)
    expect(textOf(await sending)).toBe('Pretended to send 5 to Alice. No money moved: this is the demo server.')
    expect(demo.cli.output()).toMatch(/demo: send_money allowed/)

    const adding = client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })
    const heldAdd = await waitForHeldCall(env, demo.bridgePort, 'add')
    expect((await runCli(['approvals', 'deny', heldAdd.id, '--port', String(demo.bridgePort)], env)).code).toBe(0)
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
    expect(textOf(await client.callTool({ name: 'send_money', arguments: { to: 'Bob', amount: 20 } }))).toBe(
      'Pretended to send 20 to Bob. No money moved: this is the demo server.',
    )
    await client.close()
  })

  it('prints an SDK snippet that runs as printed', async () => {
    const snippet = printedSnippet(demo.stdout())
    expect(snippet.split('\n')).toHaveLength(10)
    // Run from the repository so the snippet's imports resolve to the installed SDK.
    const child = spawn(process.execPath, ['--input-type=module', '-e', snippet], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const [code] = (await once(child, 'close')) as [number]
    expect(output).toContain("[ 'echo', 'add', 'get_time', 'send_money' ]")
    expect(output).toContain("[ { type: 'text', text: '5' } ]")
    expect(code).toBe(0)
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
        body: JSON.stringify({ client_name: HOSTILE_NAME, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
      })
      expect(registration.status).toBe(201)
      hostileClientId = ((await registration.json()) as { client_id: string }).client_id
      consentUrl = new URL(metadata.authorization_endpoint)
      for (const [key, value] of Object.entries({
        response_type: 'code', client_id: hostileClientId, redirect_uri: redirectUri, state: 'state-1',
        code_challenge: pkce.challenge, code_challenge_method: 'S256', resource: demo.mcpUrl,
      })) consentUrl.searchParams.set(key, value)
    })

    async function openConsentPage(): Promise<{ html: string; csp: string; cookie: string; requestId: string; csrfToken: string }> {
      const page = await fetch(consentUrl, { redirect: 'manual' })
      expect(page.status).toBe(200)
      const html = await page.text()
      return {
        html,
        csp: page.headers.get('content-security-policy') ?? '',
        cookie: page.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).join('; '),
        requestId: /name="request_id" value="([^"]+)"/.exec(html)?.[1] ?? '',
        csrfToken: /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] ?? '',
      }
    }

    function answer(consent: { requestId: string; csrfToken: string }, decision: string, headers: Record<string, string>): Promise<Response> {
      return fetch(new URL('/consent', demo.mcpUrl), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ request_id: consent.requestId, csrf_token: consent.csrfToken, decision }),
      })
    }

    it('escapes a hostile client_name on the consent page, under a CSP with no script', async () => {
      const { html, csp } = await openConsentPage()
      expect(html).not.toContain('<img')
      expect(html).toContain('<span class="client">&lt;img src=x onerror=alert(1)&gt;</span> wants to use the Demo MCP server')
      expect(html).toMatch(/<button type="submit" name="decision" value="allow"[^>]*>Allow<\/button>/)
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
      const fromAnotherSite = await answer(consent, 'allow', { cookie: consent.cookie, origin: 'https://evil.example' })
      expect(fromAnotherSite.status).toBe(403)
      const withWrongToken = await answer({ ...consent, csrfToken: 'x'.repeat(43) }, 'allow', { cookie: consent.cookie })
      expect(withWrongToken.status).toBe(403)

      const denied = await answer(consent, 'deny', { cookie: consent.cookie, origin: new URL(demo.mcpUrl).origin })
      expect(denied.status).toBe(303)
      const back = new URL(denied.headers.get('location') ?? '')
      expect(`${back.origin}${back.pathname}`).toBe(redirectUri)
      expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'access_denied', state: 'state-1', iss: metadata.issuer })
      expect((await answer(consent, 'allow', { cookie: consent.cookie })).status).toBe(400) // answered already
    })

    it('checks PKCE, binds tokens to the MCP URL, rotates refresh tokens and revokes on reuse', async () => {
      const consent = await openConsentPage()
      const allowed = await answer(consent, 'allow', { cookie: consent.cookie })
      expect(allowed.status).toBe(303)
      const code = new URL(allowed.headers.get('location') ?? '').searchParams.get('code') ?? ''
      const token = (params: Record<string, string>) =>
        fetch(metadata.token_endpoint, { method: 'POST', body: new URLSearchParams({ client_id: hostileClientId, ...params }) })

      const exchange = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, resource: demo.mcpUrl }
      const wrongVerifier = await token({ ...exchange, code_verifier: pkcePair().verifier })
      expect(wrongVerifier.status).toBe(400)
      expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' })
      const issued = await token({ ...exchange, code_verifier: pkce.verifier })
      expect(issued.status).toBe(200)
      const first = (await issued.json()) as { access_token: string; refresh_token: string; expires_in: number; scope: string }
      expect(first).toMatchObject({ expires_in: 3600, scope: 'mcp:tools' })

      const mcp = (accessToken: string) => fetch(demo.mcpUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
      })
      const accepted = await mcp(first.access_token)
      expect(accepted.status).toBe(200)
      await accepted.body?.cancel()

      const elsewhere = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, resource: 'http://127.0.0.1:1/other' })
      expect(await elsewhere.json()).toMatchObject({ error: 'invalid_target' })
      const rotated = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token })
      expect(rotated.status).toBe(200)
      const second = (await rotated.json()) as { access_token: string; refresh_token: string }
      expect(second.refresh_token).not.toBe(first.refresh_token)

      const replay = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token })
      expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
      // Reuse revoked the whole grant: the successor refresh token and every access token too.
      expect(await (await token({ grant_type: 'refresh_token', refresh_token: second.refresh_token })).json()).toMatchObject({ error: 'invalid_grant' })
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
      expect(again.stdout()).toContain(`"demo" pointed at ${demo.mcpUrl} (an earlier demo run): updated, and logging in again.`)
      const rows = JSON.parse((await runCli(['list', '--json'], env)).stdout) as Array<{ name: string; url: string; state: string; policy: string }>
      expect(rows.find((row) => row.name === 'demo')).toMatchObject({ url: again.mcpUrl, state: 'ready', policy: 'allow' })
      const client = await connectThroughBridge(env, again.bridgePort)
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'again' } }))).toBe('again')
      await client.close()
    } finally {
      expect(await stopWithCtrlC(again)).toBe(0)
    }
  })
})
