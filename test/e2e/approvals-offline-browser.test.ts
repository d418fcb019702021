// The approvals page in Chromium when its bridge goes away and comes back: a person must read
// that nothing answers (not only "Reconnecting…"), and after a restart that the page's login is
// gone, since page sessions live only as long as the bridge that issued them.
import { afterAll, beforeAll, describe, it } from 'vitest'
import type { Browser, BrowserContext } from 'playwright-core'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { launchChromium } from '../fixtures/chromium.js'
import { startBridgeProcess, type RunningCli } from './cli-process.js'
import { startBridgeFor } from './bridge-setup.js'
import { signedInPage } from './dashboard-sign-in.js'

describe('the approvals page in Chromium, its bridge gone', () => {
  let browser: Browser
  let fixture: OAuthFixture
  let env: NodeJS.ProcessEnv
  let port: string
  let bridge: RunningCli
  let context: BrowserContext
  let base: string

  beforeAll(async () => {
    browser = await launchChromium()
    fixture = await startOAuthFixture({ requireAuth: false })
    ;({ env, bridge, port } = await startBridgeFor(
      { open: { url: fixture.mcpUrl, policy: 'ask' } },
      { auth: true },
    ))
    const signedIn = await signedInPage(browser, bridge)
    ;({ context, base } = signedIn)
    await signedIn.page.close()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await bridge?.stop()
    await fixture?.close()
  })

  it('says the bridge is not answering once it stopped, and that the login is gone once a new one runs', async () => {
    const page = await context.newPage()
    await page.goto(`${base}/approvals`)
    await page.locator('#connection[data-state="live"]').waitFor()

    await bridge.stop()
    await page.locator('#connection[data-state="offline"]').waitFor()
    await page.locator('#banner', { hasText: /The bridge is not answering/ }).waitFor()

    // The same port and home: the stream reconnects by itself and meets a bridge that never
    // issued this page's cookie.
    bridge = await startBridgeProcess(env, ['--port', port], { auth: true })
    await page.locator('#banner', { hasText: /no longer logged in to this page/ }).waitFor()
    await page.close()
  }, 60_000)
})
