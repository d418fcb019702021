// Signing in to the dashboard as its person does: with the one-time login link `start` prints.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { RunningCli } from './cli-process.js'

const LOGIN_LINK = /dashboard\s+(http:\/\/localhost:\d+\/\?login=\S+)/

/** The one-time dashboard link `start` printed after its address. */
export async function loginLink(
  bridge: Pick<RunningCli, 'waitForOutput' | 'output'>,
): Promise<string> {
  await bridge.waitForOutput(LOGIN_LINK, 0)
  return LOGIN_LINK.exec(bridge.output())![1]!
}

export interface SignedIn {
  context: BrowserContext
  /** The page the login link led to, on the dashboard. */
  page: Page
  /** As the browser sees the bridge: the login link's origin (the cookie belongs to it). */
  base: string
}

/** A new Chromium context signed in with the bridge's login link, its page on the dashboard. */
export async function signedInPage(browser: Browser, bridge: RunningCli): Promise<SignedIn> {
  const link = await loginLink(bridge)
  const base = new URL(link).origin
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(link)
  await page.waitForURL(`${base}/`)
  return { context, page, base }
}
