#!/usr/bin/env node
// Transparency against an outside suite: the official MCP conformance suite's SERVER scenarios
// (`conformance server --url … --spec-version <era>`), per era, run against a reference MCP
// server directly, and then against the same server through the bridge (the built CLI,
// dist/cli.js, in a fresh MCP_OAUTH_BRIDGE_HOME: init; add ref <url>; policy ref allow;
// start --port 0 --no-auth) at http://127.0.0.1:<port>/mcp/ref.
//   2025-11-25: test/fixtures/reference-server/ (SDK 1.x, sessionful);
//   2026-07-28: test/fixtures/reference-server-v2/ (SDK v2 createMcpHandler, both eras).
//
//   node scripts/conformance/server-run.mjs [--era REV] [--timeout MS] [--keep-home] [scenario|glob …]
//     --era REV      2025-11-25 or 2026-07-28 (default: both)
//     --timeout MS   guard per suite run (default 60000); the suite's own waits are shorter
//     --keep-home    keep the temporary bridge homes and print their paths
//
// The rule: every scenario that passes directly passes through the bridge, and no check that is
// SUCCESS (or WARNING) directly gets worse through it (no new FAILURE either).
// dns-rebinding-protection must pass through the bridge whatever it does directly (the reference
// servers do not check Host or Origin; the bridge does).
// Output: a Markdown table per era on stdout and in .conformance-results/server-table-<era>.md;
// raw output (checks.json and suite log per run, reference-server.log, bridge.log) under
// .conformance-results/raw/server/<era>/. Last line: `server conformance: N passed, N failed`.
// Exit status: 0 when every scenario passed, 1 otherwise, 2 for bad usage. Every process this
// script starts is stopped before it exits, also on errors and on SIGINT/SIGTERM.
//
// Tools (the suite, pinned, and a Node 22 to run it) come from tools.mjs, as for run.mjs.

import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  createWriteStream,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  ERAS,
  ensureTools,
  findFile,
  listSuiteScenarios,
  mdCell,
  oneLine,
  ROOT,
  selectScenarios,
  specVersionFor,
  SUITE_PACKAGE,
  SUITE_VERSION,
  suiteBinPath,
} from './tools.mjs'

const RESULTS = path.join(ROOT, '.conformance-results')
const RAW = path.join(RESULTS, 'raw', 'server')
/** The reference server each era's scenarios run against. */
const REFERENCE_SERVERS = {
  '2025-11-25': path.join(ROOT, 'test', 'fixtures', 'reference-server', 'main.mjs'),
  '2026-07-28': path.join(ROOT, 'test', 'fixtures', 'reference-server-v2', 'main.mjs'),
}
const CLI = process.env.CONFORMANCE_BRIDGE_CLI ?? path.join(ROOT, 'dist', 'cli.js')
const SERVER_NAME = 'ref'
const DNS_SCENARIO = 'dns-rebinding-protection'
const READY_TIMEOUT_MS = 15_000
const CLI_STEP_TIMEOUT_MS = 30_000

// ---------------------------------------------------------------------------------------------
// process bookkeeping: everything started here is stopped on the way out

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set()
/** @type {string[]} bridge homes made by this run */
const tempHomes = []
let keepHome = false
let scenarioCount = 0

let stopping = false

function track(child) {
  if (stopping) child.kill('SIGKILL')
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

async function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

async function cleanup() {
  await Promise.all([...children].map((child) => stopChild(child).catch(() => {})))
  for (const home of tempHomes.splice(0)) {
    if (keepHome) process.stderr.write(`kept the bridge home ${home}\n`)
    else rmSync(home, { recursive: true, force: true })
  }
}

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    process.stderr.write(`server-run.mjs: got ${signal}, stopping\n`)
    stopping = true
    cleanup().finally(() => process.exit(130))
  })
}

function fail(message, code = 1) {
  const error = new Error(message)
  error.exitCode = code
  throw error
}

// ---------------------------------------------------------------------------------------------
// arguments and scenario selection

function parseArgs(argv) {
  const opts = { timeout: 60_000, keepHome: false, eras: [], patterns: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--timeout') opts.timeout = Number(argv[++i])
    else if (arg.startsWith('--timeout=')) opts.timeout = Number(arg.slice('--timeout='.length))
    else if (arg === '--keep-home') opts.keepHome = true
    else if (arg === '--era') opts.eras.push(argv[++i])
    else if (arg.startsWith('--era=')) opts.eras.push(arg.slice('--era='.length))
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 27)
          .join('\n') + '\n',
      )
      process.exit(0)
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}`, 2)
    else opts.patterns.push(arg)
  }
  if (!Number.isInteger(opts.timeout) || opts.timeout <= 0)
    fail('--timeout must be a positive integer (ms)', 2)
  for (const era of opts.eras)
    if (!ERAS.includes(era)) fail(`--era must be one of ${ERAS.join(', ')}`, 2)
  if (opts.eras.length === 0) opts.eras = [...ERAS]
  return opts
}

// ---------------------------------------------------------------------------------------------
// the reference server and the bridge

/** Spawns `command args`, logs its output to logFile, resolves with the first stdout match of `pattern`. */
function startAndWaitForUrl({ label, command, args, env, logFile, pattern }) {
  const logStream = createWriteStream(logFile)
  const child = track(spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }))
  return new Promise((resolve, reject) => {
    let stdout = ''
    let settled = false
    const settle = (fn, value) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      fn(value)
    }
    const timer = setTimeout(
      () =>
        settle(
          reject,
          new Error(
            `${label} printed no URL within ${READY_TIMEOUT_MS} ms (see ${path.relative(ROOT, logFile)})`,
          ),
        ),
      READY_TIMEOUT_MS,
    )
    child.stdout.on('data', (d) => {
      logStream.write(d)
      stdout += d
      const m = pattern.exec(stdout)
      if (m) settle(resolve, { child, url: m[1] ?? m[0] })
    })
    child.stderr.on('data', (d) => logStream.write(d))
    child.on('exit', (code, signal) => {
      logStream.write(`\n[server-run] ${label} exited (${signal ?? code})\n`)
      logStream.end()
      settle(
        reject,
        new Error(
          `${label} exited (${signal ?? code}) before printing its URL (see ${path.relative(ROOT, logFile)})`,
        ),
      )
    })
  })
}

function runCli(args, env, logStream) {
  logStream.write(`$ mcp-oauth-bridge ${args.join(' ')}\n`)
  return new Promise((resolve) => {
    const child = track(
      spawn(process.execPath, [CLI, ...args], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    )
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => {
      output += `\n[server-run] killed after ${CLI_STEP_TIMEOUT_MS} ms\n`
      child.kill('SIGKILL')
    }, CLI_STEP_TIMEOUT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      logStream.write(output.endsWith('\n') || output === '' ? output : `${output}\n`)
      resolve({ code: code ?? (signal ? 128 : 1), output })
    })
  })
}

/** Sets up a bridge home with the reference server and starts the bridge; returns the MCP URL. */
async function startBridge(referenceUrl, raw) {
  const tempHome = mkdtempSync(path.join(os.tmpdir(), 'mcp-oauth-bridge-server-conformance-'))
  tempHomes.push(tempHome)
  const home = path.join(tempHome, 'home')
  mkdirSync(home, { recursive: true, mode: 0o700 })
  // BROWSER=true: an open server needs no login; if `add` ever wanted one, nothing opens.
  // A throw-away home keeps its key in a file, never in the person's keychain.
  const env = {
    ...process.env,
    MCP_OAUTH_BRIDGE_HOME: home,
    MCP_OAUTH_BRIDGE_KEY_STORAGE: 'file',
    BROWSER: 'true',
    NO_COLOR: '1',
  }
  const setupLog = createWriteStream(path.join(raw, 'bridge-setup.log'))
  try {
    for (const args of [
      ['init'],
      ['add', SERVER_NAME, referenceUrl],
      ['policy', SERVER_NAME, 'allow'],
    ]) {
      const res = await runCli(args, env, setupLog)
      if (res.code !== 0)
        fail(
          `\`mcp-oauth-bridge ${args.join(' ')}\` exited ${res.code}: ${oneLine(res.output, 400)}`,
        )
    }
  } finally {
    setupLog.end()
  }
  const config = JSON.parse(readFileSync(path.join(home, 'config.json'), 'utf8'))
  const entry = config.servers?.[SERVER_NAME]
  if (entry?.auth !== 'none')
    fail(
      `\`add\` saved ${SERVER_NAME} with auth ${JSON.stringify(entry?.auth)}, expected "none" for the open reference server`,
    )
  const { url } = await startAndWaitForUrl({
    label: 'mcp-oauth-bridge start',
    command: process.execPath,
    args: [CLI, 'start', '--port', '0', '--no-auth'],
    env,
    logFile: path.join(raw, 'bridge.log'),
    // The bridge's own address, not the upstream URL it lists after it.
    pattern: /listening on (http:\/\/(?:localhost|127\.0\.0\.1):\d+)/,
  })
  return `${url}/mcp/${SERVER_NAME}`
}

// ---------------------------------------------------------------------------------------------
// running the suite and reading its checks

function runSuiteScenario({ node22, scenario, specVersion, url, timeout, outDir }) {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const args = [suiteBinPath(), 'server', '--url', url, '--scenario', scenario, '-o', outDir]
  if (specVersion) args.push('--spec-version', specVersion)
  const started = Date.now()
  return new Promise((resolve) => {
    const child = track(
      spawn(node22, args, {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    )
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const guard = setTimeout(() => {
      output += `\nserver-run.mjs: the suite did not finish within ${timeout} ms; killed\n`
      child.kill('SIGKILL')
    }, timeout)
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      writeFileSync(path.join(outDir, 'suite.log'), output)
      resolve({ code: code ?? (signal ? 128 : 1), output, seconds: (Date.now() - started) / 1000 })
    })
  })
}

function readChecks(outDir, run) {
  const file = findFile(outDir, 'checks.json')
  if (!file) {
    return [
      {
        id: 'suite-run',
        status: 'FAILURE',
        errorMessage: `no checks.json (suite exit ${run.code}): ${oneLine(run.output.split('\n').slice(-6).join(' '), 200)}`,
      },
    ]
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    return [
      {
        id: 'suite-run',
        status: 'FAILURE',
        errorMessage: `checks.json unreadable: ${error.message}`,
      },
    ]
  }
}

const RANK = { FAILURE: 0, WARNING: 1, SUCCESS: 2 }

/** Checks that count (not INFO), keyed by id#occurrence. */
function rankedChecks(checks) {
  const seen = new Map()
  const out = new Map()
  for (const c of checks) {
    if (!(c.status in RANK)) continue
    const n = (seen.get(c.id) ?? 0) + 1
    seen.set(c.id, n)
    out.set(n === 1 ? c.id : `${c.id}#${n}`, c)
  }
  return out
}

function summarize(checks) {
  const counts = { SUCCESS: 0, FAILURE: 0, WARNING: 0 }
  for (const c of checks) if (c.status in counts) counts[c.status]++
  const total = counts.SUCCESS + counts.FAILURE
  const pass = counts.FAILURE === 0
  let cell = `${pass ? 'pass' : 'FAIL'} ${counts.SUCCESS}/${total}`
  if (counts.WARNING) cell += `, ${counts.WARNING} warning${counts.WARNING > 1 ? 's' : ''}`
  return { pass, counts, cell }
}

function checkMessage(c) {
  return oneLine(c.errorMessage || c.details?.message || c.description || '', 160)
}

function compare(scenario, direct, bridged) {
  const d = summarize(direct)
  const b = summarize(bridged)
  const dChecks = rankedChecks(direct)
  const bChecks = rankedChecks(bridged)
  const notes = []
  let worse = false
  for (const [key, dc] of dChecks) {
    const bc = bChecks.get(key)
    const bRank = bc ? RANK[bc.status] : -1
    if (bRank < RANK[dc.status]) {
      worse = true
      notes.push(
        `WORSE through the bridge: ${key} ${dc.status} → ${bc ? `${bc.status}: ${checkMessage(bc)}` : 'missing'}`,
      )
    } else if (bc && bRank > RANK[dc.status]) {
      notes.push(`better through the bridge: ${key} ${dc.status} → ${bc.status}`)
    }
  }
  for (const [key, bc] of bChecks) {
    if (!dChecks.has(key) && bc.status !== 'SUCCESS') {
      worse = true
      notes.push(`WORSE through the bridge: new ${bc.status} ${key}: ${checkMessage(bc)}`)
    }
  }
  if (b.counts.FAILURE > d.counts.FAILURE) worse = true
  for (const c of direct.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING')) {
    notes.push(`direct ${c.status === 'FAILURE' ? 'FAIL' : 'WARN'} ${c.id}: ${checkMessage(c)}`)
  }
  let ok = !worse && (!d.pass || b.pass)
  if (scenario === DNS_SCENARIO) {
    if (!b.pass) notes.unshift('must pass through the bridge (the bridge checks Host and Origin)')
    else if (!d.pass)
      notes.unshift(
        'fails directly (the reference server does not check Host/Origin); the bridge does',
      )
    ok = b.pass
  }
  return { ok, direct: d, bridged: b, notes }
}

// ---------------------------------------------------------------------------------------------

async function runAll(node22, plan, url, side, timeout, raw) {
  const results = new Map()
  for (const { name: scenario, specVersion } of plan) {
    const outDir = path.join(raw, side, scenario)
    const run = await runSuiteScenario({ node22, scenario, specVersion, url, timeout, outDir })
    const checks = readChecks(outDir, run)
    const s = summarize(checks)
    process.stderr.write(
      `  ${side.padEnd(6)} ${s.cell.padEnd(22)} ${scenario} (${run.seconds.toFixed(1)} s)\n`,
    )
    results.set(scenario, checks)
  }
  return results
}

/**
 * The era's server scenarios: those the suite lists for it, pending and added-after-release ones
 * included (scored or not, the bridge must not make them worse); extensions (tasks, skills) are
 * not run.
 */
function scenariosForEra(all, era, patterns) {
  const inEra = all.filter((s) => !s.tags.includes('extension') && specVersionFor(s, era) === era)
  const names = selectScenarios(
    all.map((s) => s.name),
    patterns,
  ).filter((name) => inEra.some((s) => s.name === name))
  return names.map((name) => ({ name, specVersion: era }))
}

async function runEra(node22, era, plan, opts) {
  const raw = path.join(RAW, era)
  rmSync(raw, { recursive: true, force: true })
  mkdirSync(raw, { recursive: true })
  const reference = await startAndWaitForUrl({
    label: `reference server (${era})`,
    command: process.execPath,
    args: [REFERENCE_SERVERS[era], '--port', '0', '--verbose'],
    env: process.env,
    logFile: path.join(raw, 'reference-server.log'),
    pattern: /http:\/\/\S+\/mcp/,
  })
  process.stderr.write(
    `${era}: ${plan.length} server scenario(s); reference server ${path.relative(ROOT, REFERENCE_SERVERS[era])} at ${reference.url}\n`,
  )
  const t0 = Date.now()
  const direct = await runAll(node22, plan, reference.url, 'direct', opts.timeout, raw)
  const directSeconds = (Date.now() - t0) / 1000
  const bridgeUrl = await startBridge(reference.url, raw)
  process.stderr.write(`Bridge: ${bridgeUrl}\n`)
  const t1 = Date.now()
  const bridged = await runAll(node22, plan, bridgeUrl, 'bridge', opts.timeout, raw)
  const bridgeSeconds = (Date.now() - t1) / 1000
  const referenceAlive = reference.child.exitCode === null && reference.child.signalCode === null
  await cleanup()

  const rows = []
  let passed = 0
  let failed = 0
  for (const { name: scenario } of plan) {
    const r = compare(scenario, direct.get(scenario), bridged.get(scenario))
    if (r.ok) passed++
    else failed++
    rows.push(
      `| ${mdCell(scenario)} | ${r.direct.cell} | ${r.bridged.cell}${r.ok ? '' : ' ✗'} | ${mdCell(r.notes.join('; '))} |`,
    )
  }
  const table = [
    `Server conformance ${era}: ${SUITE_PACKAGE}@${SUITE_VERSION} server scenarios (\`--spec-version ${era}\`) against ` +
      `${path.relative(ROOT, path.dirname(REFERENCE_SERVERS[era]))}, directly and through mcp-oauth-bridge (\`start --no-auth\`, policy allow), ${new Date().toISOString()}. ` +
      `Cells: result and SUCCESS/(SUCCESS+FAILURE) checks. Direct ${directSeconds.toFixed(0)} s, bridged ${bridgeSeconds.toFixed(0)} s.` +
      (referenceAlive ? '' : ' WARNING: the reference server died during the run.'),
    '',
    '| Scenario | Direct | Through bridge | Notes |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
  mkdirSync(RESULTS, { recursive: true })
  const tableFile = path.join(RESULTS, `server-table-${era}.md`)
  writeFileSync(tableFile, table)
  process.stdout.write(`\n${table}\nTable written to ${path.relative(ROOT, tableFile)}\n`)
  if (!referenceAlive) failed = Math.max(failed, 1)
  return { passed, failed }
}

async function main() {
  const started = Date.now()
  const opts = parseArgs(process.argv.slice(2))
  keepHome = opts.keepHome
  if (/\s/.test(ROOT)) fail('run from a path without spaces')
  if (!existsSync(CLI))
    fail(
      `${path.relative(ROOT, CLI)} is missing: run \`npm run build\` first (or \`npm run test:conformance:server\`)`,
    )

  const node22 = ensureTools()
  const all = listSuiteScenarios(node22, 'server')
  const plans = []
  try {
    for (const era of opts.eras) {
      const plan = scenariosForEra(all, era, opts.patterns)
      if (plan.length > 0) plans.push({ era, plan })
    }
  } catch (error) {
    fail(error.message, 2)
  }
  if (plans.length === 0)
    fail(`no selected server scenario belongs to ${opts.eras.join(' or ')}`, 2)
  scenarioCount = plans.reduce((n, p) => n + p.plan.length, 0)
  process.stderr.write(`Suite ${SUITE_PACKAGE}@${SUITE_VERSION}\n`)
  let passed = 0
  let failed = 0
  for (const { era, plan } of plans) {
    const result = await runEra(node22, era, plan, opts)
    passed += result.passed
    failed += result.failed
  }
  process.stdout.write(
    `Raw output under ${path.relative(ROOT, RAW)}/; total ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  )
  process.stdout.write(`server conformance: ${passed} passed, ${failed} failed\n`)
  return failed > 0 ? 1 : 0
}

let exitCode = 1
try {
  exitCode = await main()
} catch (error) {
  process.stderr.write(
    `server-run.mjs: ${error instanceof Error ? error.message : String(error)}\n`,
  )
  exitCode = error?.exitCode ?? 1
  if (exitCode !== 2)
    process.stdout.write(`server conformance: 0 passed, ${Math.max(scenarioCount, 1)} failed\n`)
} finally {
  await cleanup()
}
process.exit(exitCode)
