// The approvals page in a real Chromium against the built bridge: held calls appear live,
// Approve / Deny / "Always allow" settle exactly their own call, open tabs stay in sync, hostile
// text stays text, and another site cannot decide anything even with the session cookie.
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import * as z from 'zod'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { launchChromium } from '../fixtures/chromium.js'
import { runCli, type RunningCli } from './cli-process.js'
import { bridgeAuthorization, connectClient, startBridgeFor } from './bridge-setup.js'
import { signedInPage } from './dashboard-sign-in.js'

// Functions given to page.evaluate and friends run in Chromium. The project compiles without
// the DOM library, so this module declares the little of it those functions touch.
declare const window: object
declare const document: {
  title: string
  body: { append(node: unknown): void }
  querySelector(selector: string): { textContent: string | null } | null
  createElement: {
    (tag: 'form'): {
      method: string
      enctype: string
      action: string
      append(node: unknown): void
      submit(): void
    }
    (tag: 'input'): { name: string; value: string }
  }
  hasFocus(): boolean
}
type NotificationPermission = 'default' | 'granted' | 'denied'
interface NotificationOptions {
  body?: string
  tag?: string
}

const TITLE = 'Approvals · mcp-oauth-bridge'
const HOSTILE = '<img src=x onerror="window.__pwned=1">'
const HOSTILE_DESCRIPTION = `Looks harmless. ${HOSTILE}<script>window.__pwned=2</script>`

type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }> }

/** An open MCP server of our own whose tool description is hostile (stateful, like most servers). */
async function startHostileServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>()
  const build = () => {
    const server = new McpServer({ name: 'hostile', version: '1.0.0' })
    server.registerTool(
      'lookup',
      { description: HOSTILE_DESCRIPTION, inputSchema: { q: z.string() } },
      ({ q }) => ({ content: [{ type: 'text' as const, text: `found ${q}` }] }),
    )
    return server
  }
  const http: Server = createServer((req, res) => {
    void (async () => {
      const id = req.headers['mcp-session-id']
      let transport = typeof id === 'string' ? sessions.get(id) : undefined
      if (!transport) {
        const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: randomUUID,
          onsessioninitialized: (newId) => void sessions.set(newId, created),
        })
        await build().connect(created)
        transport = created
      }
      await transport.handleRequest(req, res)
    })()
  })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    async close() {
      await Promise.all([...sessions.values()].map((transport) => transport.close()))
      http.closeAllConnections()
      await new Promise((resolveClose) => http.close(resolveClose))
    },
  }
}

/** A page on another loopback origin: the "other site" in the cross-origin test. */
async function startOtherSite(): Promise<{ port: number; close(): Promise<void> }> {
  const http = createServer((_req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>other site</title><p>other site</p>'),
  )
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise((resolveClose) => {
        http.closeAllConnections()
        http.close(() => resolveClose())
      }),
  }
}

describe('the approvals page in Chromium', () => {
  let browser: Browser
  let fixture: OAuthFixture
  let hostile: Awaited<ReturnType<typeof startHostileServer>>
  let home: string
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  /** As the browser sees the bridge: the login link's origin (the cookie belongs to it). */
  let base: string
  let authorization: string
  let context: BrowserContext
  const clients: Client[] = []
  const pages: Page[] = []

  beforeAll(async () => {
    // First: without a browser these tests must fail, loudly, before anything else starts.
    browser = await launchChromium()
    fixture = await startOAuthFixture({ requireAuth: false })
    hostile = await startHostileServer()
    ;({ home, env, bridge } = await startBridgeFor(
      {
        open: { url: fixture.mcpUrl, policy: 'ask' },
        hostile: { url: hostile.url, policy: 'ask' },
      },
      { auth: true },
    ))
    authorization = await bridgeAuthorization(env, 'open')

    const signedIn = await signedInPage(browser, bridge)
    ;({ context, base } = signedIn)
    const login = signedIn.page
    expect(new URL(login.url()).pathname).toBe('/')
    expect((await context.cookies(base)).map((cookie) => cookie.name)).toContain(
      'mcp_oauth_bridge_session',
    )
    await login.close()
  }, 60_000)

  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close().catch(() => undefined)
    for (const client of clients.splice(0)) await client.close().catch(() => undefined)
  })

  afterAll(async () => {
    await browser?.close()
    await bridge?.stop()
    await hostile?.close()
    await fixture?.close()
  })

  async function openApprovals(target: BrowserContext = context): Promise<Page> {
    const page = await target.newPage()
    pages.push(page)
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    const response = await page.goto(`${base}/approvals`)
    expect(response?.status()).toBe(200)
    // Connected, and the first snapshot drawn.
    await page.locator('#connection[data-state="live"]').waitFor()
    await page.locator('#summary', { hasText: /waiting/ }).waitFor()
    expect(errors).toEqual([])
    return page
  }

  async function mcpClient(server = 'open', name = 'approvals-e2e'): Promise<Client> {
    const client = await connectClient(bridge, server, name, authorization)
    // The bridge learns tool descriptions from the tools/list answers that pass through it.
    await client.listTools()
    clients.push(client)
    return client
  }

  function callTool(
    client: Client,
    name: string,
    args: Record<string, unknown>,
  ): Promise<ToolResult> {
    return client.callTool({ name, arguments: args }) as Promise<ToolResult>
  }

  function card(page: Page, tool: string): Locator {
    return page
      .locator('article.card')
      .filter({ has: page.locator('h2', { hasText: new RegExp(`^${tool}$`) }) })
  }

  async function pending(): Promise<Array<{ id: string; tool: string; arguments: unknown }>> {
    const response = await fetch(`${bridge.url}/approvals/api/pending`, {
      headers: { authorization },
    })
    return (
      (await response.json()) as {
        pending: Array<{ id: string; tool: string; arguments: unknown }>
      }
    ).pending
  }

  async function waitForPending(
    count: number,
  ): Promise<Array<{ id: string; tool: string; arguments: unknown }>> {
    const deadline = Date.now() + 5_000
    for (;;) {
      const calls = await pending()
      if (calls.length === count) return calls
      if (Date.now() > deadline)
        throw new Error(`Expected ${count} held calls, found ${JSON.stringify(calls)}`)
      await new Promise((resolveWait) => setTimeout(resolveWait, 50))
    }
  }

  async function waitForTitle(page: Page, title: string): Promise<void> {
    await page
      .waitForFunction((expected) => document.title === expected, title, { timeout: 5_000 })
      .catch(async () => {
        throw new Error(
          `The title stayed ${JSON.stringify(await page.title())}, not ${JSON.stringify(title)}`,
        )
      })
  }

  it('shows a held call live (server, tool, description, arguments, client, wait) and Approve runs it upstream', async () => {
    const page = await openApprovals()
    await page.locator('#empty').waitFor()
    expect(await page.title()).toBe(TITLE)
    const client = await mcpClient('open', 'claude-code-e2e')
    const before = fixture.stats.toolCalls
    const call = callTool(client, 'add', { a: 2, b: 40 })

    const held = card(page, 'add')
    await held.waitFor()
    expect(await held.locator('.server').textContent()).toBe('open')
    expect(await held.locator('.desc').first().textContent()).toBe('Adds two numbers')
    expect(await held.locator('pre').textContent()).toBe(JSON.stringify({ a: 2, b: 40 }, null, 2))
    expect(await held.locator('.meta').textContent()).toContain('claude-code-e2e')
    expect(await held.locator('.waited').textContent()).toMatch(/^waiting \d+ s$/)
    await page.waitForFunction(
      () => /waiting [1-9]\d* s/.test(document.querySelector('.waited')?.textContent ?? ''),
      undefined,
      { timeout: 4_000 },
    )
    expect(await page.title()).toBe(`(1) ${TITLE}`)
    expect(fixture.stats.toolCalls).toBe(before)

    await held.getByRole('button', { name: 'Approve', exact: true }).click()
    const result = await call
    expect(result.isError).toBeFalsy()
    expect(result.content[0]?.text).toBe('42')
    expect(fixture.stats.toolCalls).toBe(before + 1)
    await held.waitFor({ state: 'detached' })
    await page.locator('#empty').waitFor()
    await waitForTitle(page, TITLE)
    expect(await page.locator('#recent').textContent()).toContain('add on open: approved here')
  })

  it('Deny answers the client with an isError result and never reaches the upstream', async () => {
    const page = await openApprovals()
    const client = await mcpClient()
    const before = fixture.stats.toolCalls
    const call = callTool(client, 'echo', { text: 'please do not' })
    const held = card(page, 'echo')
    await held.waitFor()
    await held.getByRole('button', { name: 'Deny', exact: true }).click()
    const result = await call
    expect(result.isError).toBe(true)
    expect(result.content[0]?.text).toMatch(/denied by the user \(on the approvals page\)/)
    await held.waitFor({ state: 'detached' })
    expect(fixture.stats.toolCalls).toBe(before)
    expect(await pending()).toEqual([])
  })

  it('settles only the call whose button was pressed', async () => {
    const page = await openApprovals()
    const client = await mcpClient()
    const first = callTool(client, 'echo', { text: 'first' })
    await page.locator('article.card').first().waitFor()
    const second = callTool(client, 'echo', { text: 'second' })
    await page.locator('article.card').nth(1).waitFor()
    const cards = page.locator('article.card')
    expect(await cards.nth(0).locator('pre').textContent()).toContain('first')
    expect(await cards.nth(1).locator('pre').textContent()).toContain('second')
    await waitForTitle(page, `(2) ${TITLE}`)

    await cards.nth(1).getByRole('button', { name: 'Deny', exact: true }).click()
    expect((await second).isError).toBe(true)
    await waitForTitle(page, `(1) ${TITLE}`)
    expect(await page.locator('article.card').count()).toBe(1)
    expect(await page.locator('article.card pre').textContent()).toContain('first')
    expect((await pending()).map((call) => call.arguments)).toEqual([{ text: 'first' }])

    await page.locator('article.card').getByRole('button', { name: 'Approve', exact: true }).click()
    expect((await first).content[0]?.text).toBe('first')
    await waitForTitle(page, TITLE)
  })

  it('"Always allow this tool" approves the call, writes the rule bound to the definition, and the next call is not held', async () => {
    const page = await openApprovals()
    const client = await mcpClient()
    const call = callTool(client, 'whoami', {})
    const held = card(page, 'whoami')
    await held.waitFor()
    expect(await held.textContent()).toContain('No arguments.')
    const reloaded = bridge.output().length
    await held.getByRole('button', { name: 'Always allow this tool' }).click()
    expect((await call).isError).toBeFalsy()
    await held.waitFor({ state: 'detached' })

    const config = JSON.parse(await readFile(join(home, 'config.json'), 'utf8')) as {
      servers: { open: { tools: Record<string, unknown> } }
    }
    expect(config.servers.open.tools.whoami).toEqual({
      policy: 'allow',
      approvedDefinition: {
        fingerprint: expect.any(String),
        description: "The access token's subject",
        inputSchema: expect.objectContaining({ type: 'object' }),
      },
    })
    await bridge.waitForOutput(/config\.json changed: reloaded/, reloaded)

    const before = fixture.stats.toolCalls
    const again = await Promise.race([
      callTool(client, 'whoami', {}),
      new Promise<'held'>((resolveHeld) => setTimeout(() => resolveHeld('held'), 5_000)),
    ])
    expect(again).not.toBe('held')
    expect((again as ToolResult).isError).toBeFalsy()
    expect(fixture.stats.toolCalls).toBe(before + 1)
    expect(await page.locator('article.card').count()).toBe(0)
    expect(await page.locator('#recent').textContent()).toContain(
      'whoami on open: approved and always allowed here',
    )
  })

  it('keeps two tabs in sync: a call decided in one disappears from the other', async () => {
    const [one, two] = [await openApprovals(), await openApprovals()]
    const client = await mcpClient()
    const call = callTool(client, 'add', { a: 1, b: 1 })
    await Promise.all([card(one, 'add').waitFor(), card(two, 'add').waitFor()])
    await Promise.all([waitForTitle(one, `(1) ${TITLE}`), waitForTitle(two, `(1) ${TITLE}`)])

    await card(one, 'add').getByRole('button', { name: 'Approve', exact: true }).click()
    expect((await call).content[0]?.text).toBe('2')
    await card(two, 'add').waitFor({ state: 'detached' })
    await waitForTitle(two, TITLE)
    expect(await two.locator('#recent').textContent()).toContain(
      'add on open: approved on an approvals page',
    )

    // A tab opened while calls wait shows them from the first snapshot, in arrival order.
    const a = callTool(client, 'echo', { text: 'older' })
    await card(one, 'echo').waitFor()
    const b = callTool(client, 'add', { a: 5, b: 5 })
    await card(one, 'add').waitFor()
    const three = await openApprovals()
    expect(await three.locator('article.card h2').allTextContents()).toEqual(['echo', 'add'])
    expect(await three.title()).toBe(`(2) ${TITLE}`)
    await card(three, 'echo').getByRole('button', { name: 'Deny', exact: true }).click()
    await card(three, 'add').getByRole('button', { name: 'Deny', exact: true }).click()
    expect((await a).isError).toBe(true)
    expect((await b).isError).toBe(true)
    for (const page of [one, two, three]) await waitForTitle(page, TITLE)
  })

  it('shows hostile descriptions, arguments and client names as text; nothing becomes markup', async () => {
    const page = await openApprovals()
    const client = await mcpClient('hostile', HOSTILE)
    const call = callTool(client, 'lookup', {
      q: HOSTILE,
      nested: { html: '<b>bold</b><script>window.__pwned=3</script>' },
    })
    const held = card(page, 'lookup')
    await held.waitFor()
    expect(await held.locator('.desc').first().textContent()).toBe(HOSTILE_DESCRIPTION)
    expect(await held.locator('pre').textContent()).toContain(JSON.stringify(HOSTILE).slice(1, -1))
    expect(await held.locator('.meta strong').textContent()).toBe(HOSTILE)
    expect(await page.locator('img').count()).toBe(0)
    expect(await page.locator('article b, article script').count()).toBe(0)
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined()

    await held.getByRole('button', { name: 'Deny', exact: true }).click()
    expect((await call).isError).toBe(true)
  })

  it('says when an always-allowed tool changed, old definition next to the current one', async () => {
    const page = await openApprovals()
    const client = await mcpClient()
    // An earlier "always allow" of echo, for a definition that differs from what the server says now.
    const path = join(home, 'config.json')
    const config = JSON.parse(await readFile(path, 'utf8')) as {
      servers: { open: { tools?: Record<string, unknown> } }
    }
    config.servers.open.tools = {
      ...config.servers.open.tools,
      echo: {
        policy: 'allow',
        approvedDefinition: {
          fingerprint: 'stale',
          description: `Old wording ${HOSTILE}`,
          inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
        },
      },
    }
    const reloaded = bridge.output().length
    await writeFile(`${path}.tmp`, JSON.stringify(config, null, 2), { mode: 0o600 })
    await rename(`${path}.tmp`, path)
    await bridge.waitForOutput(/config\.json changed: reloaded/, reloaded)

    const call = callTool(client, 'echo', { text: 'hi' })
    const held = card(page, 'echo')
    await held.waitFor()
    const notice = held.locator('.notice')
    expect(await notice.locator('strong').textContent()).toBe(
      'This tool changed since you chose to always allow it',
    )
    const [then, now] = await notice.locator('.compare > div').all()
    expect(await then!.locator('.desc').textContent()).toBe(`Old wording ${HOSTILE}`)
    expect(await then!.locator('pre').textContent()).toContain('"properties"')
    expect(await now!.locator('.desc').textContent()).toBe('Returns the text it is given')
    expect(await page.locator('img').count()).toBe(0)
    await held.getByRole('button', { name: 'Deny', exact: true }).click()
    expect((await call).isError).toBe(true)
    const restored = bridge.output().length
    expect((await runCli(['policy', 'open', 'echo', 'ask'], env)).code).toBe(0)
    await bridge.waitForOutput(/config\.json changed: reloaded/, restored)
  })

  it('offers notifications on request and shows one when a call arrives in the background', async () => {
    const notifyContext = await browser.newContext()
    // A stand-in for the Notification API that records what the page shows (headless Chromium
    // has no notification centre to look at), and a window without focus.
    await notifyContext.addInitScript(() => {
      const shown: Array<{ title: string; body?: string }> = []
      let permission: NotificationPermission = 'default'
      class RecordingNotification extends EventTarget {
        static get permission(): NotificationPermission {
          return permission
        }
        static async requestPermission(): Promise<NotificationPermission> {
          permission = 'granted'
          return permission
        }
        constructor(title: string, options?: NotificationOptions) {
          super()
          shown.push({ title, ...(options?.body !== undefined ? { body: options.body } : {}) })
        }
        close(): void {}
      }
      Object.assign(window, { Notification: RecordingNotification, __shown: shown })
      document.hasFocus = () => false
    })
    try {
      // The session cookie of the main context, so this context is logged in too.
      await notifyContext.addCookies(await context.cookies(base))
      const page = await openApprovals(notifyContext)
      const button = page.getByRole('button', { name: 'Notify me' })
      await button.click()
      await button.waitFor({ state: 'hidden' })
      expect(await page.locator('#notify-state').textContent()).toBe('Notifications on')

      const client = await mcpClient('open', 'notifier')
      const call = callTool(client, 'echo', { text: 'ping' })
      await card(page, 'echo').waitFor()
      const shown = await page.evaluate(() => (window as unknown as { __shown: unknown[] }).__shown)
      expect(shown).toEqual([
        {
          title: 'Approve echo on open?',
          body: 'notifier wants to run it. Open the approvals page to decide.',
        },
      ])
      await card(page, 'echo').getByRole('button', { name: 'Deny', exact: true }).click()
      expect((await call).isError).toBe(true)
    } finally {
      await notifyContext.close()
    }
  })

  it('a page on another origin cannot approve, even knowing the call id and sending the cookie', async () => {
    const page = await openApprovals()
    const client = await mcpClient()
    const before = fixture.stats.toolCalls
    let settled = false
    const call = callTool(client, 'echo', { text: 'from a hostile site' }).finally(
      () => (settled = true),
    )
    await card(page, 'echo').waitFor()
    const [held] = await pending()
    expect(held?.tool).toBe('echo')
    const id = held!.id

    const other = await startOtherSite()
    try {
      // localhost:<other port> is same-site with localhost:<bridge port>, so the SameSite=Strict
      // cookie is sent: the Origin check and the CSRF token must stop it. 127.0.0.1 is cross-site.
      for (const host of ['localhost', '127.0.0.1']) {
        const attacker = await context.newPage()
        pages.push(attacker)
        await attacker.goto(`http://${host}:${other.port}/`)
        const outcome = await attacker.evaluate(
          async ({ bridge, id }) => {
            const body = JSON.stringify({ id, decision: 'approve', always: true })
            const attempt = async (init: RequestInit) => {
              try {
                const response = await fetch(`${bridge}/approvals/api/decide`, {
                  method: 'POST',
                  credentials: 'include',
                  body,
                  ...init,
                })
                return response.type === 'opaque' ? 'opaque' : response.status
              } catch {
                return 'blocked'
              }
            }
            return {
              json: await attempt({
                headers: { 'content-type': 'application/json', 'x-csrf-token': 'guess' },
              }),
              simple: await attempt({ headers: { 'content-type': 'text/plain' } }),
              noCors: await attempt({ mode: 'no-cors', headers: { 'content-type': 'text/plain' } }),
              read: await fetch(`${bridge}/approvals/api/pending`, { credentials: 'include' }).then(
                (response) => response.text(),
                () => 'blocked',
              ),
            }
          },
          { bridge: base, id },
        )
        expect(outcome.json).toBe('blocked')
        expect(outcome.simple).toBe('blocked')
        expect(outcome.noCors).toBe('opaque')
        expect(outcome.read).toBe('blocked')

        // A plain form POST (text/plain can carry a JSON-looking body), submitted top-level.
        await attacker.evaluate(
          ({ bridge, id }) => {
            const form = document.createElement('form')
            form.method = 'POST'
            form.enctype = 'text/plain'
            form.action = `${bridge}/approvals/api/decide`
            const input = document.createElement('input')
            input.name = `{"id":"${id}","decision":"approve","x":"`
            input.value = '"}'
            form.append(input)
            document.body.append(form)
            form.submit()
          },
          { bridge: base, id },
        )
        await attacker.waitForURL(`${base}/approvals/api/decide`)
        expect(await attacker.locator('body').textContent()).not.toContain('"ok":true')
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 300))
      expect(settled).toBe(false)
      expect((await pending()).map((call) => call.id)).toEqual([id])
      expect(await card(page, 'echo').count()).toBe(1)
      expect(fixture.stats.toolCalls).toBe(before)
    } finally {
      await other.close()
    }
    await card(page, 'echo').getByRole('button', { name: 'Deny', exact: true }).click()
    expect((await call).isError).toBe(true)
  })

  it('shows decision errors inline: the bridge unreachable, and a call decided elsewhere (409)', async () => {
    const client = await mcpClient()
    const call = callTool(client, 'echo', { text: 'race' })
    const snapshot = await waitForPending(1)
    // This tab's stream is frozen at that snapshot, so its card stays while the call is decided
    // elsewhere, as when events arrive late.
    const page = await context.newPage()
    pages.push(page)
    await page.route('**/approvals/api/events', (route) =>
      route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: `event: snapshot\ndata: ${JSON.stringify({ pending: snapshot })}\n\n`,
      }),
    )
    await page.goto(`${base}/approvals`)
    const held = card(page, 'echo')
    await held.waitFor()
    const approve = held.getByRole('button', { name: 'Approve', exact: true })

    await page.route('**/approvals/api/decide', (route) => route.abort())
    await approve.click()
    await held.locator('.error', { hasText: /Could not reach the bridge/ }).waitFor()
    expect(await approve.isEnabled()).toBe(true)
    await page.unroute('**/approvals/api/decide')

    const denied = await runCli(
      ['approvals', 'deny', snapshot[0]!.id, '--port', new URL(bridge.url).port],
      env,
    )
    expect(denied.code, denied.stderr).toBe(0)
    expect((await call).isError).toBe(true)
    await approve.click()
    await held.locator('.error', { hasText: /no longer waiting/ }).waitFor()
  })
})
