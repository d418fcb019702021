#!/usr/bin/env node
// Takes docs/approvals.png: the approvals page with three held calls, in a real Chromium.
//
//   npm run build && node scripts/screenshot-approvals.mjs [out.png]
//
// Starts a small open MCP server with three plausible tools, registers it three times under
// different names in a throwaway home, runs the built bridge, logs a Chromium in with the
// one-time link and makes three calls (from three client names) that wait for approval.
// CHROMIUM_PATH overrides /usr/bin/chromium.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { chromium } from 'playwright-core'
import * as z from 'zod'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CLI = join(ROOT, 'dist/cli.js')
const OUT = resolve(process.argv[2] ?? join(ROOT, 'docs/approvals.png'))
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

if (!existsSync(CLI)) throw new Error('Run `npm run build` first: dist/cli.js is missing.')
if (!existsSync(CHROMIUM))
  throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH.`)

function toolServer() {
  const build = () => {
    const server = new McpServer({ name: 'screenshot-tools', version: '1.0.0' })
    const ran = () => ({ content: [{ type: 'text', text: 'done' }] })
    server.registerTool(
      'create_payment_link',
      {
        description:
          'Creates a payment link customers can pay through. Amounts are in the smallest currency unit.',
        inputSchema: { amount: z.number().int(), currency: z.string(), product: z.string() },
      },
      ran,
    )
    server.registerTool(
      'create_issue',
      {
        description: 'Opens an issue in a repository.',
        inputSchema: {
          repo: z.string(),
          title: z.string(),
          body: z.string(),
          labels: z.array(z.string()).optional(),
        },
      },
      ran,
    )
    server.registerTool(
      'delete_note',
      {
        description:
          'Deletes a note. With permanent: true it skips the trash and cannot be undone.',
        inputSchema: { id: z.string(), permanent: z.boolean() },
      },
      ran,
    )
    return server
  }
  // Stateful Streamable HTTP (a session per initialize), as most servers are: the bridge names
  // the client of a held call by its upstream session.
  const sessions = new Map()
  const http = createServer(async (req, res) => {
    const id = req.headers['mcp-session-id']
    let transport = typeof id === 'string' ? sessions.get(id) : undefined
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (newId) => sessions.set(newId, transport),
      })
      await build().connect(transport)
    }
    await transport.handleRequest(req, res)
  })
  return new Promise((resolveListen) => http.listen(0, '127.0.0.1', () => resolveListen(http)))
}

/** Runs the built CLI; asynchronously, since the tool server in this process must keep answering. */
async function cli(args, env) {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const [code] = await once(child, 'close')
  if (code !== 0) throw new Error(`mcp-oauth-bridge ${args.join(' ')} failed:\n${stdout}${stderr}`)
  return stdout
}

const http = await toolServer()
const upstream = `http://127.0.0.1:${http.address().port}/mcp`
const home = await mkdtemp(join(tmpdir(), 'bridge-screenshot-'))
const env = { ...process.env, MCP_OAUTH_BRIDGE_HOME: home, NO_COLOR: '1', BROWSER: '/bin/false' }
for (const name of ['payments', 'github', 'notes'])
  await cli(['add', name, upstream, '--policy', 'ask'], env)

const bridge = spawn(process.execPath, [CLI, 'start', '--port', '0'], {
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
})
let output = ''
bridge.stderr.on('data', (chunk) => (output += chunk))
const link = await new Promise((resolveLink, reject) => {
  bridge.stdout.on('data', (chunk) => {
    output += chunk
    const match = /dashboard\s+(http:\/\/localhost:\d+\/\?login=\S+)/.exec(output)
    if (match) resolveLink(match[1])
  })
  bridge.once('exit', (code) => reject(new Error(`start exited with ${code}:\n${output}`)))
})
const base = new URL(link).origin
const { headers } = JSON.parse(await cli(['connect', 'payments', '--json'], env))

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
const clients = []
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  })
  const page = await context.newPage()
  await page.goto(link)
  await page.goto(`${base}/approvals`)
  await page.locator('#empty').waitFor()

  const calls = [
    {
      server: 'payments',
      client: 'claude-code',
      tool: 'create_payment_link',
      arguments: { amount: 4900, currency: 'eur', product: 'Pro plan (yearly)' },
    },
    {
      server: 'github',
      client: 'claude-ai',
      tool: 'create_issue',
      arguments: {
        repo: 'acme/storefront',
        title: 'Checkout button does nothing on Safari 17',
        body: 'Steps: add any item to the cart, open the cart, press Checkout. Expected: the payment form opens. Actual: nothing happens, and the console shows "TypeError: structuredClone is not a function".',
      },
    },
    {
      server: 'notes',
      client: 'cursor-vscode',
      tool: 'delete_note',
      arguments: { id: 'note_8f3a21', permanent: true },
    },
  ]
  for (const call of calls) {
    const client = new Client({ name: call.client, version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp/${call.server}`), {
        requestInit: { headers },
      }),
    )
    await client.listTools()
    clients.push(client)
    client.callTool({ name: call.tool, arguments: call.arguments }).catch(() => undefined)
    await page.locator('article.card h2', { hasText: call.tool }).waitFor()
    await new Promise((resolveWait) => setTimeout(resolveWait, 1500))
  }
  await new Promise((resolveWait) => setTimeout(resolveWait, 800))
  await page.mouse.move(0, 0)
  await page.screenshot({ path: OUT })
  console.log(`Wrote ${OUT} (${await page.title()})`)
} finally {
  await browser.close()
  bridge.kill('SIGINT')
  await new Promise((resolveExit) => bridge.once('exit', resolveExit))
  for (const client of clients) await client.close().catch(() => undefined)
  http.closeAllConnections()
  http.close()
  await rm(home, { recursive: true, force: true })
}
