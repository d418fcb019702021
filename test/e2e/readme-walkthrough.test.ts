// The README's first ten minutes, as a newcomer follows them: a fresh home folder, `init`,
// `demo --no-browser` (the printed login URL opened in Chromium, Allow pressed there), the
// dashboard link opened in the same Chromium, a tool call from the SDK client held until a person
// approves it on the approvals page, the demo used from an SDK stdio client through `stdio`,
// `connect --write` into a client's config file, and `doctor` on the working setup.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../fixtures/chromium.js'
import { CLI, cliEnv, makeHome, runCli, spawnCli, type InteractiveCli } from './cli-process.js'

describe('the README walkthrough', () => {
  let demo: InteractiveCli | undefined
  let browser: Browser | undefined
  afterAll(async () => {
    await browser?.close()
    if (demo && demo.child.exitCode === null) {
      demo.child.kill('SIGINT')
      await demo.result
    }
  })

  it('gets a newcomer from init to an approved tool call, and the other clients working', async () => {
    // First: without a browser this test must fail, loudly, before anything else starts.
    browser = await launchChromium()
    const page = await browser.newPage()
    const home = await makeHome()
    // No BROWSER: --no-browser must print the URL for the person to open.
    const env = { ...cliEnv(home), BROWSER: '' }
    expect((await runCli(['init'], env)).code).toBe(0)

    demo = spawnCli(['demo', '--no-browser', '--port', '0'], env)
    const [, loginUrl] = await demo.waitFor(
      /Open this URL in a browser to authorize:\s+(http:\/\/\S+)/,
    )
    // The person opens the printed URL and presses Allow on the demo's consent page.
    expect((await page.goto(loginUrl as string))?.status()).toBe(200)
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL((url) => url.pathname === '/callback')
    expect(await page.locator('h1').innerText()).toBe('You are signed in')
    const [, port] = await demo.waitFor(/listening on http:\/\/localhost:(\d+)/)
    const [, dashboardLink] = await demo.waitFor(
      /dashboard\s+(http:\/\/localhost:\d+\/\?login=\S+)/,
    )
    await demo.waitFor(/Press Ctrl-C/)

    // The SDK client, configured as `connect --json` says.
    const connection = JSON.parse((await runCli(['connect', 'demo', '--json'], env)).stdout) as {
      url: string
      headers: Record<string, string>
    }
    const client = new Client({ name: 'newcomer', version: '1.0.0' })
    // No --port: `connect` finds the demo's bridge through its runtime file.
    expect(connection.url).toBe(`http://localhost:${port}/mcp/demo`)
    await client.connect(
      new StreamableHTTPClientTransport(new URL(connection.url), {
        requestInit: { headers: connection.headers },
      }),
    )
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['echo', 'add', 'send_money']),
    )

    // The dashboard link from the banner, then the approvals page: the call waits there.
    expect((await page.goto(dashboardLink as string))?.status()).toBe(200)
    await page.locator('td', { hasText: '/mcp/demo' }).waitFor()
    await page.getByRole('link', { name: 'Approvals' }).click()
    await page.waitForURL(`http://localhost:${port}/approvals`)
    const call = client.callTool({ name: 'send_money', arguments: { to: 'Ada', amount: 5 } })
    const card = page.locator('article.card', { hasText: 'send_money' })
    await card.waitFor()
    await expect.poll(() => card.textContent()).toContain('"Ada"')
    await card.getByRole('button', { name: 'Approve', exact: true }).click()
    const result = (await call) as { isError?: boolean; content: Array<{ text: string }> }
    expect(result.isError).toBeFalsy()
    expect(result.content[0]?.text).toMatch(/Pretended to send/)
    await client.close()

    // Claude Desktop's way in: `stdio`, through the same bridge (so approvals apply).
    expect((await runCli(['policy', 'demo', 'echo', 'allow'], env)).code).toBe(0)
    const stdioClient = new Client({ name: 'desktop-like', version: '1.0.0' })
    await stdioClient.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'stdio', 'demo'],
        env: env as Record<string, string>,
        stderr: 'pipe',
      }),
    )
    await expect
      .poll(
        async () =>
          (
            (await stdioClient.callTool({
              name: 'echo',
              arguments: { text: 'hi from stdio' },
            })) as { content: Array<{ text: string }> }
          ).content[0]?.text,
      )
      .toBe('hi from stdio')
    await stdioClient.close()

    // `connect --write` into a client config file.
    const configFile = join(home, 'claude_desktop_config.json')
    expect(
      (await runCli(['connect', 'demo', 'claude-desktop', '--write', '--file', configFile], env))
        .code,
    ).toBe(0)
    // This home is not ~/.mcp-oauth-bridge, so the entry tells Claude Desktop's launch where it is.
    expect(JSON.parse(await readFile(configFile, 'utf8'))).toEqual({
      mcpServers: {
        demo: {
          command: 'mcp-oauth-bridge',
          args: ['stdio', 'demo'],
          env: { MCP_OAUTH_BRIDGE_HOME: home },
        },
      },
    })

    // `doctor` on this setup: it finds the demo's bridge on its own port, and everything is healthy.
    const doctor = await runCli(['doctor'], env)
    expect(doctor.stdout).toMatch(new RegExp(`✔ bridge: running on port ${port} `))
    expect(doctor.stdout).toMatch(/✔ token store: opens with the key/)
    expect(doctor.stdout).toMatch(/✔ server demo: .* is reachable; authorization server/)
    expect(doctor.stdout).toMatch(/✔ server demo token: valid/)

    demo.child.kill('SIGINT')
    expect((await demo.result).code).toBe(0)
  }, 90_000)
})
