#!/usr/bin/env node
// Runs the official MCP conformance suite's client scenarios against mcp-oauth-bridge.
//
//   node scripts/conformance/run.mjs [options] [scenario|glob …]
//     --client product   (default) scripts/conformance/client.mjs: the built CLI (dist/cli.js)
//                        + an SDK client through the bridge's proxy
//     --client sdk       scripts/conformance/sdk-client.mjs: the bare SDK, as a baseline
//     --era REV          run only this revision's set: 2025-11-25 or 2026-07-28 (default: both;
//                        each scenario runs at that revision's wire, `--spec-version REV`)
//     --timeout MS       per-scenario client timeout given to the suite (default 30000, the
//                        suite's own default)
//   e.g. node scripts/conformance/run.mjs auth/metadata-default tools_call 'auth/scope-*'
//        node scripts/conformance/run.mjs --era 2026-07-28 'auth/iss-*'
//
// The suite (@modelcontextprotocol/conformance, pinned in tools.mjs) needs Node >= 22; it and a
// Node 22 binary (npm package `node@22`) are installed on first use into .conformance-tools/
// (gitignored). The suite runs on that Node 22; our client command runs on the current node.
// Scenarios run one at a time. Results: a Markdown table per era on stdout and in
// .conformance-results/table-<era>.md (table-sdk-<era>.md for --client sdk); raw per-scenario
// output (checks.json, client stdout/stderr, suite log) under .conformance-results/raw/.
// Exit status: 0 when every failing scenario is listed in the expected-failures map of the
// chosen client, 1 otherwise, 2 for bad usage.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as tools from './tools.mjs'
import {
  ERAS,
  findFile,
  mdCell,
  oneLine,
  ROOT,
  selectScenarios,
  specVersionFor,
  SUITE_PACKAGE,
  SUITE_VERSION,
  suiteBinPath,
} from './tools.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const RESULTS = path.join(ROOT, '.conformance-results')

/**
 * The client scenarios we run by default, per era (globs are expanded against the suite's list,
 * keeping the scenarios that belong to the era). 2025-11-25: what 0.1.16 ran, the 2025-03-26
 * back-compat scenarios at their own wire, and the client-credentials extensions. 2026-07-28:
 * the revision's whole client set. Not run: the other extensions (enterprise-managed
 * authorization, DPoP, workload identity, skills), which the bridge does not implement.
 */
const SCENARIO_PATTERNS = {
  '2025-11-25': [
    'initialize',
    'tools_call',
    'elicitation-sep1034-client-defaults',
    'sse-retry',
    'auth/metadata-*',
    'auth/basic-cimd',
    'auth/scope-*',
    'auth/token-endpoint-auth-*',
    'auth/pre-registration',
    'auth/2025-03-26-*',
    'auth/client-credentials-*',
    'json-schema-2020-12-preservation',
  ],
  '2026-07-28': [
    'tools_call',
    'request-metadata',
    'auth/metadata-*',
    'auth/basic-cimd',
    'auth/scope-*',
    'auth/token-endpoint-auth-*',
    'auth/pre-registration',
    'auth/resource-mismatch',
    'auth/offline-access-*',
    'auth/authorization-server-migration',
    'auth/iss-*',
    'sep-2322-client-request-state',
    'http-*',
    'json-schema-ref-no-deref',
    'json-schema-2020-12-preservation',
  ],
}

/**
 * Scenarios the product is known to fail, `era scenario` → reason. A failure listed here does
 * not fail the run; a pass of a listed scenario is reported so the entry can be removed.
 */
const expectedFailures = {}

/** The same for the bare-SDK baseline (sdk-client.mjs), so the harness checks itself. */
const sdkExpectedFailures = {}

const CLIENTS = {
  product: { script: path.join(HERE, 'client.mjs'), expected: expectedFailures, table: 'table.md' },
  sdk: {
    script: path.join(HERE, 'sdk-client.mjs'),
    expected: sdkExpectedFailures,
    table: 'table-sdk.md',
  },
}

function fail(message, code = 1) {
  process.stderr.write(`run.mjs: ${message}\n`)
  process.exit(code)
}

function parseArgs(argv) {
  const opts = { client: 'product', timeout: 30_000, eras: [], patterns: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--client') opts.client = argv[++i]
    else if (arg.startsWith('--client=')) opts.client = arg.slice('--client='.length)
    else if (arg === '--era') opts.eras.push(argv[++i])
    else if (arg.startsWith('--era=')) opts.eras.push(arg.slice('--era='.length))
    else if (arg === '--timeout') opts.timeout = Number(argv[++i])
    else if (arg.startsWith('--timeout=')) opts.timeout = Number(arg.slice('--timeout='.length))
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(
        readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 24)
          .join('\n') + '\n',
      )
      process.exit(0)
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}`, 2)
    else opts.patterns.push(arg)
  }
  if (!CLIENTS[opts.client]) fail(`--client must be one of ${Object.keys(CLIENTS).join(', ')}`, 2)
  if (!Number.isInteger(opts.timeout) || opts.timeout <= 0)
    fail('--timeout must be a positive integer (ms)', 2)
  for (const era of opts.eras)
    if (!ERAS.includes(era)) fail(`--era must be one of ${ERAS.join(', ')}`, 2)
  // The baseline is SDK 1.x, which has no 2026-07-28 wire.
  if (opts.eras.length === 0) opts.eras = opts.client === 'sdk' ? [ERAS[0]] : [...ERAS]
  if (opts.client === 'sdk' && opts.eras.some((era) => era !== ERAS[0]))
    fail(`--client sdk runs ${ERAS[0]} only (SDK 1.x)`, 2)
  return opts
}

// ---------------------------------------------------------------------------------------------
// tools (installed and listed by tools.mjs, shared with server-run.mjs)

function ensureTools() {
  try {
    return tools.ensureTools()
  } catch (error) {
    return fail(error.message)
  }
}

function listSuiteScenarios(node22) {
  try {
    return tools.listSuiteScenarios(node22, 'client')
  } catch (error) {
    return fail(error.message)
  }
}

// ---------------------------------------------------------------------------------------------
// running

function runSuiteScenario({ node22, scenario, specVersion, command, timeout, outDir }) {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const args = [
    suiteBinPath(),
    'client',
    '--command',
    command,
    '--scenario',
    scenario,
    '--timeout',
    String(timeout),
    '-o',
    outDir,
  ]
  if (specVersion) args.push('--spec-version', specVersion)
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(node22, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        // the client stops itself (and the bridge it started) just before the suite kills it
        CONFORMANCE_CLIENT_TIMEOUT_MS: String(Math.max(timeout - 3000, 1000)),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const guard = setTimeout(() => {
      output += `\nrun.mjs: suite did not finish within ${timeout + 30_000} ms; killed\n`
      child.kill('SIGKILL')
    }, timeout + 30_000)
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      writeFileSync(path.join(outDir, 'suite.log'), output)
      resolve({ code: code ?? (signal ? 128 : 1), output, seconds: (Date.now() - started) / 1000 })
    })
  })
}

/** Short explanation of a scenario result, from checks.json, the suite log and the client stderr. */
function describe({ outDir, run }) {
  const notes = []
  const checksFile = findFile(outDir, 'checks.json')
  let checks = []
  if (checksFile) {
    try {
      checks = JSON.parse(readFileSync(checksFile, 'utf8'))
    } catch {
      notes.push('checks.json unreadable')
    }
  } else {
    notes.push('no checks.json (suite error?)')
  }
  for (const c of checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING')) {
    notes.push(
      `${c.status === 'WARNING' ? 'WARN' : 'FAIL'} ${c.id}: ${oneLine(c.errorMessage || c.details?.message || c.description, 160)}`,
    )
  }
  const timedOut = /CLIENT TIMED OUT/.test(run.output)
  if (timedOut) notes.push('client timed out')
  const exitMatch = /CLIENT EXITED WITH ERROR \(code (-?\d+)\)/.exec(run.output)
  if (exitMatch) notes.push(`client exited ${exitMatch[1]}`)
  if (run.code !== 0 && (timedOut || exitMatch || notes.length === 0)) {
    const stderrFile = findFile(outDir, 'stderr.txt')
    const stderr = stderrFile ? readFileSync(stderrFile, 'utf8') : ''
    const lines = stderr.split('\n').filter((l) => /FAILED|Error|error:|refus|fail/i.test(l))
    if (lines.length > 0) notes.push(`client: ${oneLine(lines[lines.length - 1], 200)}`)
  }
  if (run.code !== 0 && notes.length === 0) notes.push(`suite exited ${run.code}; see suite.log`)
  const counts = { SUCCESS: 0, FAILURE: 0, WARNING: 0 }
  for (const c of checks) if (c.status in counts) counts[c.status]++
  return { notes, counts }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const clientConf = CLIENTS[opts.client]
  if (/\s/.test(ROOT) || /\s/.test(process.execPath)) {
    fail('the suite splits --command on spaces; run from a path without spaces')
  }
  const cli = process.env.CONFORMANCE_BRIDGE_CLI ?? path.join(ROOT, 'dist', 'cli.js')
  if (opts.client === 'product' && !existsSync(cli)) {
    fail(
      `${path.relative(ROOT, cli)} is missing: run \`npm run build\` first (or \`npm run test:conformance\`)`,
    )
  }

  const node22 = ensureTools()
  const all = listSuiteScenarios(node22)
  const plan = []
  for (const era of opts.eras) {
    const inEra = all.filter((scenario) => specVersionFor(scenario, era) !== undefined)
    let names
    try {
      names = selectScenarios(
        all.map((s) => s.name),
        opts.patterns.length > 0 ? opts.patterns : SCENARIO_PATTERNS[era],
      ).filter((name) => inEra.some((s) => s.name === name))
    } catch (error) {
      fail(error.message, 2)
    }
    for (const name of names)
      plan.push({
        era,
        name,
        specVersion: specVersionFor(
          inEra.find((s) => s.name === name),
          era,
        ),
      })
  }
  if (plan.length === 0) fail(`no selected scenario belongs to ${opts.eras.join(' or ')}`, 2)
  const command = `${process.execPath} ${clientConf.script}`
  const node22Version = spawnSync(node22, ['--version'], { encoding: 'utf8' }).stdout.trim()
  process.stderr.write(
    `Suite ${SUITE_PACKAGE}@${SUITE_VERSION} on Node ${node22Version}; client (${opts.client}) on Node ${process.version}; ` +
      `${plan.length} scenario run(s) (${opts.eras.join(', ')})\n`,
  )

  const rowsByEra = new Map(opts.eras.map((era) => [era, []]))
  let passed = 0
  let unexpected = 0
  let expectedFailed = 0
  const started = Date.now()
  for (const { era, name: scenario, specVersion } of plan) {
    const outDir = path.join(RESULTS, 'raw', opts.client, era, scenario.replace(/\//g, '__'))
    const run = await runSuiteScenario({
      node22,
      scenario,
      specVersion,
      command,
      timeout: opts.timeout,
      outDir,
    })
    const { notes, counts } = describe({ outDir, run })
    const ok = run.code === 0
    const reason = clientConf.expected[`${era} ${scenario}`]
    let result
    if (ok && reason) {
      result = 'pass (listed as expected failure: remove the entry)'
      passed++
    } else if (ok) {
      result = 'pass'
      passed++
    } else if (reason) {
      result = 'expected fail'
      notes.unshift(`expected: ${reason}`)
      expectedFailed++
    } else {
      result = 'FAIL'
      unexpected++
    }
    if (specVersion && specVersion !== era) notes.unshift(`run at the ${specVersion} wire`)
    const checkSummary = `${counts.SUCCESS} ok, ${counts.FAILURE} failed, ${counts.WARNING} warnings`
    rowsByEra.get(era).push({ scenario, result, notes: notes.join('; '), checkSummary })
    process.stderr.write(
      `${result.padEnd(13)} ${era} ${scenario} (${run.seconds.toFixed(1)} s; checks: ${checkSummary})${notes.length ? `\n    ${notes.join('\n    ')}` : ''}\n`,
    )
  }

  mkdirSync(RESULTS, { recursive: true })
  for (const [era, rows] of rowsByEra) {
    if (rows.length === 0) continue
    const header = [
      `Conformance ${era}: ${SUITE_PACKAGE}@${SUITE_VERSION}, client \`${opts.client}\` (${path.relative(ROOT, clientConf.script)}), ` +
        `suite on Node ${node22Version}, client on Node ${process.version}, ${new Date().toISOString()}`,
      '',
      '| Scenario | Result | Checks | Notes / failed checks |',
      '| --- | --- | --- | --- |',
    ]
    const lines = rows.map(
      (r) =>
        `| ${mdCell(r.scenario)} | ${mdCell(r.result)} | ${r.checkSummary} | ${mdCell(r.notes)} |`,
    )
    const table = [...header, ...lines, ''].join('\n')
    const tableFile = path.join(RESULTS, clientConf.table.replace(/\.md$/, `-${era}.md`))
    writeFileSync(tableFile, table)
    process.stdout.write(`\n${table}\nTable written to ${path.relative(ROOT, tableFile)}\n`)
  }
  process.stdout.write(
    `Raw output under ${path.relative(ROOT, path.join(RESULTS, 'raw', opts.client))}/; ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  )
  process.stdout.write(
    `conformance: ${passed} passed, ${unexpected} failed, ${expectedFailed} skipped\n`,
  )
  process.exit(unexpected > 0 ? 1 : 0)
}

await main()
