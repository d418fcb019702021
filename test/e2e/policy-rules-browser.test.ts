// Rules set on the dashboard in a real Chromium, signed in with the login link, against the built
// bridge and a real upstream: an argument rule lets a small payment pass unasked and holds a
// large one, a deny rule refuses, Remove takes a rule away, a broken expression is shown with its
// position while the form keeps what was typed and config.json stays byte for byte, read-only
// allow lets a readOnlyHint tool run unasked, and a tool's plain rule is changed to deny. Each
// rule decides the SDK client's next call at once. Forms without the page's CSRF token are refused.
import { request } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { launchChromium } from '../fixtures/chromium.js'
import { startRulesMcpServer, type RulesMcpServer } from '../fixtures/rules-mcp-server.js'
import type { BridgeConfig } from '../../src/config/schema.js'
import type { RunningCli } from './cli-process.js'
import { decide, pending as pendingCalls } from './approvals-api.js'
import { bridgeAuthorization, connectClient, startBridgeFor } from './bridge-setup.js'
import { signedInPage } from './dashboard-sign-in.js'

type ToolResult = { isError?: boolean; content: Array<{ text: string }> }

describe('rules set on the dashboard, in Chromium', () => {
  let browser: Browser
  let upstream: RulesMcpServer
  let bridge: RunningCli
  let home: string
  let base: string
  let authorization: string
  let context: BrowserContext
  let page: Page
  let client: Client
  const configText = () => readFile(join(home, 'config.json'), 'utf8')
  const config = async () => JSON.parse(await configText()) as BridgeConfig

  beforeAll(async () => {
    browser = await launchChromium()
    upstream = await startRulesMcpServer()
    const setup = await startBridgeFor({ pay: { url: upstream.url } }, { auth: true })
    ;({ home, bridge } = setup)
    authorization = await bridgeAuthorization(setup.env, 'pay')
    ;({ context, page, base } = await signedInPage(browser, bridge))
    client = await connectClient(bridge, 'pay', 'rules-browser-e2e', authorization)
    await client.listTools() // the bridge learns the tools the dashboard offers
  }, 60_000)

  afterAll(async () => {
    await client?.close().catch(() => undefined)
    await browser?.close()
    await bridge?.stop()
    await upstream?.close()
  })

  const pending = () => pendingCalls(bridge, authorization)

  /** A call the bridge must hold: denied here once held, so the client gets its refusal. */
  async function expectHeld(name: string, args: Record<string, unknown>): Promise<void> {
    const call = client.callTool({ name, arguments: args }) as Promise<ToolResult>
    await expect.poll(async () => (await pending()).map((held) => held.tool)).toEqual([name])
    const [held] = await pending()
    expect(await decide(bridge, held!.id, 'deny', authorization)).toBe(200)
    expect((await call).isError).toBe(true)
  }

  const rulesOf = (server: string): Locator => page.locator(`#rules-${server}`)

  async function openDashboard(): Promise<Locator> {
    expect((await page.goto(`${base}/`))?.status()).toBe(200)
    return rulesOf('pay')
  }

  async function addRule(tool: string, policy: string, when: string): Promise<void> {
    const form = rulesOf('pay').locator('form.add-rule')
    await form.locator('select[name="tool"]').selectOption(tool)
    await form.locator('select[name="policy"]').selectOption(policy)
    await form.locator('textarea[name="when"]').fill(when)
    await form.getByRole('button', { name: 'Add rule for pay' }).click()
  }

  it('an argument rule added on the page lets amount 5 pass unasked and holds amount 50', async () => {
    const rules = await openDashboard()
    // The tools offered are the ones the upstream listed, and the server's own rule.
    expect(
      await rules.locator('form.add-rule select[name="tool"] option').allTextContents(),
    ).toEqual(['all tools of the server', 'delete_all', 'get_balance', 'lookup', 'send_money'])
    await addRule('send_money', 'allow', 'args.amount <= 20')
    await page.waitForURL(`${base}/#rules-pay`)
    await expect(rules.locator('tr.when-rule').allTextContents()).resolves.toEqual([
      expect.stringContaining('allow when #1 (args.amount <= 20)'),
    ])
    expect((await config()).servers.pay?.whenRules).toEqual({
      send_money: [{ when: 'args.amount <= 20', policy: 'allow' }],
    })

    const small = (await client.callTool({
      name: 'send_money',
      arguments: { amount: 5, currency: 'EUR', to: 'ada@ok.example' },
    })) as ToolResult
    expect(small.content[0]?.text).toBe('sent 5 EUR to ada@ok.example')
    expect(await pending()).toEqual([])
    const runs = upstream.calls.length
    await expectHeld('send_money', { amount: 50, currency: 'EUR', to: 'ada@ok.example' })
    expect(upstream.calls.length).toBe(runs)
  })

  it('a deny rule refuses its calls before the upstream; Remove takes a rule away', async () => {
    await openDashboard()
    await addRule('send_money', 'deny', 'args.to.endsWith("@unknown.example")')
    await page.waitForURL(`${base}/#rules-pay`)
    const runs = upstream.calls.length
    const denied = (await client.callTool({
      name: 'send_money',
      arguments: { amount: 500, currency: 'EUR', to: 'x@unknown.example' },
    })) as ToolResult
    expect(denied.isError).toBe(true)
    expect(denied.content[0]?.text).toMatch(
      /denied by policy \(when #2 \(args\.to\.endsWith\("@unknown\.example"\)\)\)/,
    )
    expect(upstream.calls.length).toBe(runs)

    await rulesOf('pay').getByRole('button', { name: 'Remove rule #1 of send_money' }).click()
    await page.waitForURL(`${base}/#rules-pay`)
    await expect(rulesOf('pay').locator('tr.when-rule').allTextContents()).resolves.toEqual([
      expect.stringContaining('deny when #1 (args.to.endsWith("@unknown.example"))'),
    ])
    expect((await config()).servers.pay?.whenRules).toEqual({
      send_money: [{ when: 'args.to.endsWith("@unknown.example")', policy: 'deny' }],
    })
    // The allow rule is gone: a small payment asks again.
    await expectHeld('send_money', { amount: 5, currency: 'EUR', to: 'ada@ok.example' })
  })

  it('a broken expression is shown with its position, the form keeps what was typed, config.json is untouched', async () => {
    await openDashboard()
    const before = await configText()
    const typed = 'args.amount <= 20 && tool + 1 == "x"'
    const refused = page.waitForResponse(
      (response) => response.url() === `${base}/servers/pay/rules`,
    )
    await addRule('send_money', 'allow', typed)
    const response = await refused
    expect(response.status()).toBe(400)
    // The page's CSP and framing rules are those of every page.
    expect(response.headers()['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    const problem = rulesOf('pay').locator('.rule-problem')
    await expect(problem.locator('p').first().textContent()).resolves.toBe(
      'Not saved. Type error: no such overload: string + int (line 1, column 22).',
    )
    await expect(problem.locator('pre').textContent()).resolves.toBe(
      `${typed}\n                     ^`,
    )
    const form = rulesOf('pay').locator('form.add-rule')
    await expect(form.locator('textarea[name="when"]').inputValue()).resolves.toBe(typed)
    // The page opens at the form, focused, with the reason just above it.
    await expect(
      form
        .locator('textarea[name="when"]')
        .evaluate(
          (node) =>
            node ===
            (node as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement,
        ),
    ).resolves.toBe(true)
    await expect(form.locator('select[name="tool"]').inputValue()).resolves.toBe('send_money')
    await expect(form.locator('select[name="policy"]').inputValue()).resolves.toBe('allow')

    await form.locator('textarea[name="when"]').fill('args.amount <=')
    await form.getByRole('button', { name: 'Add rule for pay' }).click()
    await expect(problem.locator('p').first().textContent()).resolves.toMatch(
      /^Not saved\. Syntax error: .+ \(line 1, column \d+\)\.$/,
    )
    await expect(problem.locator('pre').textContent()).resolves.toMatch(/^args\.amount <=\n +\^$/)

    // Over the 2 KB limit: refused with its size, not cut short.
    await form.locator('textarea[name="when"]').fill(`args.note == "${'x'.repeat(2100)}"`)
    await form.getByRole('button', { name: 'Add rule for pay' }).click()
    await expect(problem.locator('p').first().textContent()).resolves.toMatch(/the limit is 2048/)
    expect(await configText()).toBe(before)
  })

  it('read-only allow turned on lets a readOnlyHint tool run unasked; a plain rule is set and changed to deny', async () => {
    await expectHeld('get_balance', {})
    let rules = await openDashboard()
    await rules.getByRole('button', { name: 'Turn read-only allow on' }).click()
    await page.waitForURL(`${base}/#rules-pay`)
    await expect(rules.locator('tr.read-only').textContent()).resolves.toContain(
      'run without asking',
    )
    const balance = (await client.callTool({ name: 'get_balance', arguments: {} })) as ToolResult
    expect(balance.content[0]?.text).toBe('balance: 100 EUR')
    expect(await pending()).toEqual([])

    // No condition: the tool's plain rule.
    rules = await openDashboard()
    await addRule('lookup', 'allow', '')
    await page.waitForURL(`${base}/#rules-pay`)
    expect(
      ((await client.callTool({ name: 'lookup', arguments: { name: 'ada' } })) as ToolResult)
        .content[0]?.text,
    ).toBe('found ada')
    const row = rules.locator('tr.tool-rule', { hasText: 'lookup' })
    await row.getByLabel('Rule for lookup').selectOption('deny')
    await row.getByRole('button', { name: 'Set' }).click()
    await page.waitForURL(`${base}/#rules-pay`)
    expect((await config()).servers.pay?.tools).toEqual({ lookup: 'deny' })
    const runs = upstream.calls.length
    const denied = (await client.callTool({
      name: 'lookup',
      arguments: { name: 'ada' },
    })) as ToolResult
    expect(denied.isError).toBe(true)
    expect(upstream.calls.length).toBe(runs)

    await rules.getByRole('button', { name: 'Turn read-only allow off' }).click()
    await page.waitForURL(`${base}/#rules-pay`)
    expect((await config()).servers.pay?.readOnly).toBeUndefined()
    await expectHeld('get_balance', {})
  })

  it('refuses a rule form without the signed-in cookie or the page’s CSRF token; Origin: null is decided by the token', async () => {
    const rules = await openDashboard()
    const csrf = await rules.locator('form.add-rule input[name="csrf"]').getAttribute('value')
    const session = (await context.cookies(base))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ')
    const before = await configText()
    const body = (token: string) =>
      new URLSearchParams({ csrf: token, change: 'set', tool: '*', policy: 'deny' }).toString()
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    expect((await post({ ...form, cookie: session }, body('guess'))).status).toBe(403)
    expect((await post({ ...form, cookie: session, origin: 'null' }, body('guess'))).status).toBe(
      403,
    )
    expect((await post(form, body(csrf!))).status).toBe(401)
    const foreign = await post(
      { ...form, cookie: session, origin: 'https://evil.example.com' },
      body(csrf!),
    )
    expect(foreign.status).toBe(403)
    expect(foreign.body).toContain('The bridge refused this request')
    expect(await configText()).toBe(before)

    // A no-referrer form POST: Origin null, the right token: accepted.
    const accepted = await post(
      { ...form, cookie: session, origin: 'null', 'sec-fetch-site': 'same-origin' },
      body(csrf!),
    )
    expect(accepted.status).toBe(303)
    expect(accepted.location).toBe('/#rules-pay')
    expect((await config()).servers.pay?.policy).toBe('deny')
  })

  function post(
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; body: string; location?: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${bridge.url}/servers/pay/rules`,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (text += chunk))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: text,
              ...(res.headers.location ? { location: res.headers.location } : {}),
            }),
          )
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }
})
