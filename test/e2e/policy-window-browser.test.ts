// "Allow for 1 hour" pressed on the approvals page in a real Chromium: the call runs, the next
// one passes without a card, the dashboard lists the window with its end time, and its button
// ends it, after which the tool asks again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { launchChromium } from '../fixtures/chromium.js'
import { startRulesMcpServer, type RulesMcpServer } from '../fixtures/rules-mcp-server.js'
import { waitForBridgeConfig, type RunningCli } from './cli-process.js'
import { connectClient, startBridgeFor } from './bridge-setup.js'

type ToolResult = { isError?: boolean; content: Array<{ text: string }> }

describe('time windows from the approvals page, in Chromium', () => {
  let browser: Browser
  let upstream: RulesMcpServer
  let bridge: RunningCli
  let client: Client
  let page: Page
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    browser = await launchChromium()
    upstream = await startRulesMcpServer()
    ;({ env, bridge } = await startBridgeFor({ pay: { url: upstream.url } }))
    client = await connectClient(bridge, 'pay', 'window-e2e')
    await client.listTools()
    page = await (await browser.newContext()).newPage()
  }, 60_000)
  afterAll(async () => {
    await client?.close()
    await browser?.close()
    await bridge?.stop()
    await upstream?.close()
  })

  const held = async () =>
    ((await (await fetch(`${bridge.url}/approvals/api/pending`)).json()) as { pending: unknown[] })
      .pending.length

  it('"Allow for 1 hour" runs the call, lets the next pass unasked, and the dashboard ends the window', async () => {
    await page.goto(`${bridge.url}/approvals`)
    await page.locator('#connection[data-state="live"]').waitFor()
    const first = client.callTool({ name: 'get_balance', arguments: {} }) as Promise<ToolResult>
    const card = page
      .locator('article.card')
      .filter({ has: page.locator('h2', { hasText: /^get_balance$/ }) })
    await card.waitFor()
    // Offered beside Approve, Deny and Always allow, because the definition is known.
    for (const label of [
      'Approve',
      'Deny',
      'Allow for 1 hour',
      '8 hours',
      '24 hours',
      'Always allow this tool',
    ])
      await expect(
        card.getByRole('button', { name: label, exact: true }).isEnabled(),
      ).resolves.toBe(true)
    await card.getByRole('button', { name: 'Allow for 1 hour', exact: true }).click()
    expect((await first).content[0]?.text).toBe('balance: 100 EUR')

    // Written by the bridge, which applies it at once.
    await expect
      .poll(
        async () => {
          const before = upstream.calls.length
          const result = (await Promise.race([
            client.callTool({ name: 'get_balance', arguments: {} }),
            new Promise((resolve) => setTimeout(() => resolve('held'), 1000)),
          ])) as ToolResult | 'held'
          return result === 'held'
            ? 'held'
            : `${result.content[0]?.text} ${upstream.calls.length - before}`
        },
        { timeout: 5000 },
      )
      .toBe('balance: 100 EUR 1')
    expect(await held()).toBe(0)

    await page.goto(`${bridge.url}/`)
    const row = page.locator('tr.window', { hasText: 'get_balance' })
    await expect(row.textContent()).resolves.toMatch(/until \d\d:\d\d \(in (59 min|1 h)\)/)
    await row.getByRole('button', { name: 'End window for get_balance' }).click()
    await page.waitForURL(`${bridge.url}/`)
    expect(await page.locator('tr.window').count()).toBe(0)

    await waitForBridgeConfig(bridge, env)
    const asked = client.callTool({ name: 'get_balance', arguments: {} }) as Promise<ToolResult>
    await expect.poll(held).toBe(1)
    const [call] = (
      (await (await fetch(`${bridge.url}/approvals/api/pending`)).json()) as {
        pending: Array<{ id: string }>
      }
    ).pending
    await fetch(`${bridge.url}/approvals/api/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: call!.id, decision: 'deny' }),
    })
    expect((await asked).isError).toBe(true)
  }, 60_000)
})
