#!/usr/bin/env node
// The conformance suite's "client command" for mcp-oauth-bridge:
//
//   node scripts/conformance/client.mjs <serverUrl>
//   (env from the suite: MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_PROTOCOL_VERSION, and
//   MCP_CONFORMANCE_CONTEXT when the scenario has data)
//
// It drives only the product's public command line (dist/cli.js, or CONFORMANCE_BRIDGE_CLI),
// in a fresh MCP_OAUTH_BRIDGE_HOME, with BROWSER=scripts/conformance/browser.mjs:
//   init; add conf <serverUrl> [flags from the context]; policy conf allow;
//   start --port 0 --no-auth (background; its first http://127.0.0.1:<port> line is the URL)
// then an SDK Client over Streamable HTTP at http://127.0.0.1:<port>/mcp/conf does what the
// scenario needs: SDK 1.x for 2025-era runs (scenario-actions.mjs), SDK v2 pinned to 2026-07-28
// when the suite runs the scenario at that wire (scenario-actions-modern.mjs). It stops `start`
// at the end and exits 1 on failure.
// Logs go to stderr (the suite keeps them in results/…/stderr.txt).
//
// Env knobs: CONFORMANCE_BRIDGE_CLI (path of the CLI's JS entry), CONFORMANCE_KEEP_HOME=1 (keep
// the temporary bridge home and print its path), CONFORMANCE_CLIENT_TIMEOUT_MS (own deadline,
// set by run.mjs a little under the suite's timeout so that `start` is always stopped).

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { StreamableHTTPClientTransport as ModernHTTPClientTransport } from '@modelcontextprotocol/client'
import {
  CIMD_CLIENT_METADATA_URL,
  isClientCredentialsScenario,
  log,
  readContext,
  runScenario,
  trackGetStream,
} from './scenario-actions.mjs'
import { MODERN_PROTOCOL_VERSION, runModernScenario } from './scenario-actions-modern.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..', '..')
const CLI = process.env.CONFORMANCE_BRIDGE_CLI ?? path.join(ROOT, 'dist', 'cli.js')
const BROWSER = path.join(HERE, 'browser.mjs')
const SERVER_NAME = 'conf'
const START_READY_TIMEOUT_MS = 15_000
const CLI_STEP_TIMEOUT_MS = 25_000

const work = mkdtempSync(path.join(os.tmpdir(), 'mcp-oauth-bridge-conformance-'))
const home = path.join(work, 'home')
const browserLog = path.join(work, 'browser.log')
const env = {
  ...process.env,
  MCP_OAUTH_BRIDGE_HOME: home,
  // Throw-away homes: their keys stay in a file, never in the person's keychain.
  MCP_OAUTH_BRIDGE_KEY_STORAGE: 'file',
  BROWSER,
  CONFORMANCE_BROWSER_LOG: browserLog,
  NO_COLOR: '1',
}
/** @type {import('node:child_process').ChildProcess | undefined} */
let startProcess

function prefixLines(prefix, text) {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => `${prefix} ${l}\n`)
    .join('')
}

/** Runs one CLI command to completion; its output is copied to stderr with a prefix. */
function runCli(args, { timeoutMs = CLI_STEP_TIMEOUT_MS } = {}) {
  log(`$ mcp-oauth-bridge ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`)
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
      process.stderr.write(prefixLines(`[${args[0]} stdout]`, String(d)))
    })
    child.stderr.on('data', (d) => {
      stderr += d
      process.stderr.write(prefixLines(`[${args[0]} stderr]`, String(d)))
    })
    const timer = setTimeout(() => {
      log(`${args[0]} did not finish within ${timeoutMs} ms; killing it`)
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })
    })
  })
}

/** Starts `start --port 0 --no-auth` and resolves with the bridge's base URL. */
function startBridge() {
  const args = ['start', '--port', '0', '--no-auth']
  log(`$ mcp-oauth-bridge ${args.join(' ')} &`)
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  startProcess = child
  return new Promise((resolve, reject) => {
    let stdout = ''
    let settled = false
    const settle = (fn, value) => {
      if (!settled) {
        settled = true
        clearTimeout(timer)
        fn(value)
      }
    }
    const timer = setTimeout(
      () =>
        settle(
          reject,
          new Error(
            `start printed no "listening on http://localhost:<port>" line within ${START_READY_TIMEOUT_MS} ms`,
          ),
        ),
      START_READY_TIMEOUT_MS,
    )
    child.stdout.on('data', (d) => {
      stdout += d
      process.stderr.write(prefixLines('[start stdout]', String(d)))
      const m = /listening on (http:\/\/(?:localhost|127\.0\.0\.1):\d+)/.exec(stdout)
      if (m) settle(resolve, m[1])
    })
    child.stderr.on('data', (d) => process.stderr.write(prefixLines('[start stderr]', String(d))))
    child.on('close', (code, signal) => {
      log(`start exited (${signal ?? code})`)
      startProcess = undefined
      settle(reject, new Error(`start exited (${signal ?? code}) before printing its URL`))
    })
  })
}

async function stopBridge() {
  const child = startProcess
  if (!child || child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('close', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

function addFlags(scenario, ctx) {
  if (isClientCredentialsScenario(scenario)) {
    const flags = ['--client-credentials', '--client-id', ctx.client_id]
    if (ctx.private_key_pem) {
      const keyFile = path.join(work, 'client-key.pem')
      writeFileSync(keyFile, ctx.private_key_pem, { mode: 0o600 })
      flags.push('--private-key', keyFile)
    } else {
      flags.push('--client-secret', ctx.client_secret)
    }
    return flags
  }
  const flags = []
  if (ctx.client_id) flags.push('--client-id', ctx.client_id)
  if (ctx.client_secret) flags.push('--client-secret', ctx.client_secret)
  flags.push('--client-metadata-url', CIMD_CLIENT_METADATA_URL)
  return flags
}

function printBrowserLog() {
  if (existsSync(browserLog)) {
    process.stderr.write(prefixLines('[browser.log]', readFileSync(browserLog, 'utf8')))
  }
}

async function cleanup() {
  await stopBridge().catch(() => {})
  printBrowserLog()
  if (process.env.CONFORMANCE_KEEP_HOME === '1') {
    log(`kept ${work}`)
  } else {
    rmSync(work, { recursive: true, force: true })
  }
}

async function main() {
  const serverUrl = process.argv[2]
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? ''
  if (!serverUrl) throw new Error('usage: client.mjs <serverUrl> (MCP_CONFORMANCE_SCENARIO set)')
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: build the product first (npm run build)`)
  const ctx = readContext()
  mkdirSync(home, { recursive: true, mode: 0o700 })
  log(`scenario ${scenario || '(unset)'} against ${serverUrl}; MCP_OAUTH_BRIDGE_HOME=${home}`)

  const init = await runCli(['init'])
  if (init.code !== 0) throw new Error(`init exited ${init.code}`)

  const add = await runCli(['add', SERVER_NAME, serverUrl, ...addFlags(scenario, ctx)])
  if (add.code !== 0) {
    // Some scenarios (auth/resource-mismatch) expect the client to refuse: the suite allows
    // a non-zero exit there and judges by what reached the authorization server.
    throw new Error(
      `add exited ${add.code}${add.code === 2 ? ' (bad usage: harness and CLI disagree?)' : ''}: ${add.stderr.trim()}`,
    )
  }

  const policy = await runCli(['policy', SERVER_NAME, 'allow'])
  if (policy.code !== 0) throw new Error(`policy exited ${policy.code}`)

  const base = await startBridge()
  const mcpUrl = `${base}/mcp/${SERVER_NAME}`
  log(`bridge at ${base}; MCP endpoint ${mcpUrl}`)

  if (process.env.MCP_CONFORMANCE_PROTOCOL_VERSION === MODERN_PROTOCOL_VERSION) {
    await runModernScenario({
      scenario,
      transport: new ModernHTTPClientTransport(new URL(mcpUrl)),
      context: ctx,
    })
    return
  }
  const tracker = trackGetStream(fetch)
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { fetch: tracker.fetch })
  await runScenario({ scenario, transport, waitForGetStream: tracker.waitForGetStream })
}

let finished = false
async function finish(code, message) {
  if (finished) return
  finished = true
  if (message) log(message)
  await cleanup()
  process.exit(code)
}

const deadlineMs = Number(process.env.CONFORMANCE_CLIENT_TIMEOUT_MS ?? 0)
if (deadlineMs > 0) {
  setTimeout(
    () => finish(1, `FAILED: own deadline of ${deadlineMs} ms reached`),
    deadlineMs,
  ).unref()
}
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => finish(1, `FAILED: got ${signal}`))
}

main().then(
  () => finish(0, 'done'),
  (err) => finish(1, `FAILED: ${err instanceof Error ? err.message : String(err)}`),
)
