// One host name for people: everything `start` prints names localhost and the running port; a
// browser signed in through the printed link can open the 127.0.0.1 address too (it is sent to
// localhost, where its cookie applies); `open --no-browser` prints a fresh link that works when
// the first one is spent.
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../fixtures/chromium.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'

describe('one host name for the bridge’s pages', () => {
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  let browser: Browser
  let port: string

  beforeAll(async () => {
    env = cliEnv(await makeHome())
    expect((await runCli(['init'], env)).code).toBe(0)
    bridge = await startBridgeProcess(env, [], { auth: true })
    await bridge.waitForOutput(/Press Ctrl-C/, 0)
    port = new URL(bridge.url).port
    browser = await launchChromium()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await bridge?.stop()
  })

  it('start prints every URL with localhost and the running port', () => {
    const urls = bridge.output().match(/https?:\/\/[^\s)`'"]+/g) ?? []
    expect(urls.length).toBeGreaterThanOrEqual(3)
    for (const url of urls) expect(new URL(url).host, url).toBe(`localhost:${port}`)
    expect(bridge.output()).not.toContain('127.0.0.1')
  })

  it('signed in through the printed link, the 127.0.0.1 approvals URL works in Chromium', async () => {
    const link = /dashboard\s+(http:\/\/localhost:\d+\/\?login=\S+)/.exec(
      bridge.output(),
    )?.[1] as string
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(link)
    expect(page.url()).toBe(`http://localhost:${port}/`)
    expect(await page.locator('h1').first().innerText()).toBe('mcp-oauth-bridge')
    const answer = await page.goto(`http://127.0.0.1:${port}/approvals`)
    expect(answer?.status()).toBe(200)
    expect(page.url()).toBe(`http://localhost:${port}/approvals`)
    expect(await page.title()).toContain('Approvals')
    // The dashboard by the other name too.
    await page.goto(`http://127.0.0.1:${port}/`)
    expect(page.url()).toBe(`http://localhost:${port}/`)
    expect(await page.locator('h1').first().innerText()).toBe('mcp-oauth-bridge')
    // The spent link says how to get a fresh one.
    const spent = await page.goto(link)
    expect(spent?.status()).toBe(403)
    expect(await page.locator('body').innerText()).toContain('mcp-oauth-bridge open')
    await context.close()
  })

  it('a login link opened as 127.0.0.1 is carried to localhost before it is spent', async () => {
    const fresh = await runCli(['open', '--no-browser'], env)
    expect(fresh.code).toBe(0)
    const link = new URL(fresh.stdout.trim())
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${port}${link.pathname}${link.search}`)
    expect(page.url()).toBe(`http://localhost:${port}/`)
    expect(await page.locator('h1').first().innerText()).toBe('mcp-oauth-bridge')
    await context.close()
  })

  it('open --no-browser prints a fresh link for the running bridge that Chromium follows to the dashboard', async () => {
    const result = await runCli(['open', '--no-browser'], env)
    expect(result.code).toBe(0)
    const link = result.stdout.trim()
    expect(link).toMatch(new RegExp(`^http://localhost:${port}/\\?login=[\\w-]+$`))
    expect(result.stderr).toContain('one-time link')
    const context = await browser.newContext()
    const page = await context.newPage()
    expect((await page.goto(link))?.status()).toBe(200)
    expect(page.url()).toBe(`http://localhost:${port}/`)
    expect(await page.locator('a', { hasText: 'Approvals' }).count()).toBe(1)
    await context.close()
  })

  it('open hands the fresh link to the browser, which lands signed in on the dashboard', async () => {
    // A BROWSER program that only writes down the URL it was given.
    const folder = await mkdtemp(join(tmpdir(), 'mob-open-'))
    const program = join(folder, 'record.mjs')
    await writeFile(
      program,
      `#!/usr/bin/env node\nimport { appendFileSync } from 'node:fs'\nappendFileSync(${JSON.stringify(join(folder, 'urls'))}, process.argv[2] + '\\n')\n`,
    )
    await chmod(program, 0o755)
    const result = await runCli(['open'], { ...env, BROWSER: program })
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('Opened the dashboard in the browser.')
    const opened = (await readFile(join(folder, 'urls'), 'utf8')).trim()
    expect(opened).toBe(result.stdout.trim())
    expect(opened).toMatch(new RegExp(`^http://localhost:${port}/\\?login=`))
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(opened)
    expect(page.url()).toBe(`http://localhost:${port}/`)
    expect(await page.locator('h1').first().innerText()).toBe('mcp-oauth-bridge')
    await context.close()
  })

  it('open says which bridge it tried when none runs', async () => {
    const result = await runCli(['open', '--no-browser', '--port', '9'], env)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('No bridge is answering on port 9 (--port)')
    expect(result.stderr).toContain('mcp-oauth-bridge start')
  })
})
