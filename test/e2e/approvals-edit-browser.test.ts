// "Edit arguments" on the approvals page in a real Chromium against the built bridge: the editor
// opens prefilled with the call's arguments (hostile HTML in them stays text), invalid JSON and a
// value the tool's schema refuses are shown with their JSON path while the call stays held, and
// "Approve edited" runs the call upstream with the edited arguments; the client's result is the
// upstream's answer to them plus the note saying what the person changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { launchChromium } from '../fixtures/chromium.js'
import {
  startEchoArgumentsServer,
  type EchoArgumentsServer,
} from '../fixtures/echo-arguments-server.js'
import type { RunningCli } from './cli-process.js'
import { bridgeAuthorization, connectClient, startBridgeFor } from './bridge-setup.js'
import { signedInPage } from './dashboard-sign-in.js'

// Functions given to page.evaluate run in Chromium; the project compiles without the DOM library.
declare const window: { __pwned?: unknown }

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
const NOTE_START =
  'Note from the bridge: before approving this call, the person changed its arguments, and the tool ran with the changed ones, not the ones you sent. '

type ToolResult = {
  isError?: boolean
  content: Array<{ type: string; text: string }>
  structuredContent?: unknown
}

describe('editing arguments on the approvals page in Chromium', () => {
  let browser: Browser
  let hotel: EchoArgumentsServer
  let bridge: RunningCli
  let base: string
  let authorization: string
  let context: BrowserContext
  let client: Client

  beforeAll(async () => {
    browser = await launchChromium()
    hotel = await startEchoArgumentsServer()
    const setup = await startBridgeFor({ hotel: { url: hotel.url, policy: 'ask' } }, { auth: true })
    bridge = setup.bridge
    authorization = await bridgeAuthorization(setup.env, 'hotel')
    const signedIn = await signedInPage(browser, bridge)
    ;({ context, base } = signedIn)
    await signedIn.page.close()
    client = await connectClient(bridge, 'hotel', 'edit-browser-e2e', authorization)
    await client.listTools() // the bridge learns book's input schema
  }, 60_000)

  afterAll(async () => {
    await client?.close().catch(() => undefined)
    await browser?.close()
    await bridge?.stop()
    await hotel?.close()
  })

  async function heldCount(): Promise<number> {
    const response = await fetch(`${bridge.url}/approvals/api/pending`, {
      headers: { authorization },
    })
    return ((await response.json()) as { pending: unknown[] }).pending.length
  }

  async function openApprovals(): Promise<Page> {
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    expect((await page.goto(`${base}/approvals`))?.status()).toBe(200)
    await page.locator('#connection[data-state="live"]').waitFor()
    expect(errors).toEqual([])
    return page
  }

  it('invalid JSON, then a schema error with its path, keep the call held; a valid edit is approved and the client gets its result plus the note', async () => {
    const page = await openApprovals()
    const call = client.callTool({
      name: 'book',
      arguments: { city: 'Paris', nights: 3, note: HOSTILE },
    }) as Promise<ToolResult>
    const card = page
      .locator('article.card')
      .filter({ has: page.locator('h2', { hasText: /^book$/ }) })
    await card.waitFor()

    await card.getByRole('button', { name: 'Edit arguments' }).click()
    const editor = card.getByLabel('Edited arguments (JSON)')
    await expect
      .poll(() =>
        editor.evaluate(
          (node) =>
            node ===
            (node as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement,
        ),
      )
      .toBe(true)
    // Hostile HTML in the arguments is text in the editor: no element made of it, no script run.
    expect(await editor.inputValue()).toBe(
      JSON.stringify({ city: 'Paris', nights: 3, note: HOSTILE }, null, 2),
    )
    expect(await card.locator('img, script').count()).toBe(0)
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined()
    await expect
      .poll(async () => card.locator('.schema-note').textContent())
      .toBe("Checked against the tool's input schema.")

    const errors = card.locator('.edit-errors li')
    await editor.fill('{"city": "Lyon", "nights": ')
    await card.getByRole('button', { name: 'Approve edited' }).click()
    await errors.filter({ hasText: /^Not valid JSON: / }).waitFor()
    expect(await heldCount()).toBe(1)

    // Shown live while typing, from the bridge's check against the schema…
    await editor.fill('{"city": "Lyon", "nights": 0}')
    await errors.filter({ hasText: '$.nights must be >= 1' }).waitFor()
    expect(await errors.locator('code').allTextContents()).toEqual(['$.nights'])
    // …and refused by the bridge on approval all the same.
    await card.getByRole('button', { name: 'Approve edited' }).click()
    await card.locator('p.error', { hasText: 'The bridge refused the edited arguments' }).waitFor()
    await errors.filter({ hasText: '$.nights must be >= 1' }).waitFor()
    expect(await heldCount()).toBe(1)
    expect(hotel.received).toEqual([])

    await editor.fill(JSON.stringify({ city: 'Lyon', nights: 2, note: HOSTILE }, null, 2))
    await expect.poll(() => errors.count()).toBe(0)
    await card.getByRole('button', { name: 'Approve edited' }).click()
    const result = await call
    expect(hotel.received).toEqual([{ city: 'Lyon', nights: 2, note: HOSTILE }])
    expect(result.content).toEqual([
      {
        type: 'text',
        text: `booked ${JSON.stringify({ city: 'Lyon', nights: 2, note: HOSTILE })}`,
      },
      { type: 'text', text: `${NOTE_START}$.city: "Paris" → "Lyon"; $.nights: 3 → 2.` },
    ])
    expect(result.structuredContent).toEqual({ city: 'Lyon', nights: 2, note: HOSTILE })
    await card.waitFor({ state: 'detached' })
    expect(await heldCount()).toBe(0)
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined()
  })
})
