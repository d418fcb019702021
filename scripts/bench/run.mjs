#!/usr/bin/env node
// Benchmark (not a test): the direct path to an MCP server vs the same server through the
// bridge, measured in one run with direct and bridged rounds interleaved so drift cancels.
//
//   npm run bench [-- options]     (builds, then: node scripts/bench/run.mjs [options])
//     --quick          ~15 s instead of ~60 s (fewer rounds, shorter warm-up)
//     --rounds N       measured rounds per phase (each visits every path, the order rotated)
//     --before FILE    also measure another build's CLI (e.g. a worktree of an older commit)
//                      as "before", in the same rounds, for a before/after table
//     --no-nginx       leave nginx out even when it is installed
//     --mcp-remote FILE  mcp-remote's command (its dist/proxy.js) for the stdio comparison;
//                      by default node_modules/mcp-remote when installed, else skipped
//     --cpu-prof DIR   run the bridge and the minimal proxy under `node --cpu-prof`, leaving
//                      DIR/bridge.cpuprofile and DIR/minimal.cpuprofile
//                      (summary: node scripts/bench/profile-summary.mjs DIR/bridge.cpuprofile)
//     --cli FILE       the CLI to benchmark instead of dist/cli.js (e.g. a patched copy)
//     --only LIST      run only some measurements: c1,c32,sse,stream (start-up, CPU and RSS
//                      figures are always taken), e.g. with --cpu-prof to profile one path
//     --node-options FLAGS  NODE_OPTIONS for the measured bridge (and the minimal proxy), e.g.
//                      "--max-semi-space-size=2" to see what heap sizing does to peak RSS
//
// Setup, all on 127.0.0.1: an SDK MCP server (McpServer + StreamableHTTPServerTransport,
// stateful) in THIS process that requires a static bearer token (/mcp answers JSON, /mcp-sse
// answers over SSE); the BUILT CLI in a temp MCP_OAUTH_BRIDGE_HOME: init, add bench /
// bench-sse with --header "Authorization: Bearer …", policy allow, connect --json for the
// bridge access token, then `start --port 0` as a child process. Requests are raw HTTP POSTs
// through undici Pools (keep-alive, pre-built bodies, one MCP session per path), so no SDK
// client overhead is measured. The upstream shares this process so the streaming test can
// compare send and receive times on one clock; note that this makes the direct path free of
// cross-process wake-ups, which every proxied path pays (see the "bench process CPU" line).
//
// Output: a table on stdout, progress on stderr. Exit 0 whatever the figures; 1 when the
// setup fails (2 for bad usage). Every child is killed when this process exits.

import { execFile, spawn } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Pool } from 'undici'
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js'
import { startUpstream } from './upstream.mjs'
import { findNginx, nginxVersion, startNginx } from './nginx.mjs'
import { measureStdio } from './stdio-clients.mjs'
import { formatTable, median, percentile, processCpuMicros, processStatusKb } from './lib.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..', '..')

// ---------------------------------------------------------------- options

const USAGE =
  'usage: node scripts/bench/run.mjs [--quick] [--rounds N] [--before FILE] [--no-nginx] [--cpu-prof DIR] [--cli FILE] [--only c1,c32,sse,stream] [--node-options FLAGS]\n'
const argv = process.argv.slice(2)
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(USAGE)
  process.exit(0)
}
const QUICK = argv.includes('--quick')
const NO_NGINX = argv.includes('--no-nginx')
const WITH_VALUE = [
  '--cpu-prof',
  '--cli',
  '--only',
  '--node-options',
  '--rounds',
  '--before',
  '--mcp-remote',
]
const valueOf = (flag) => {
  const index = argv.indexOf(flag)
  if (index === -1) return undefined
  const value = argv[index + 1]
  if (value === undefined || (value.startsWith('--') && flag !== '--node-options')) {
    process.stderr.write(`bench: ${flag} needs a value\n${USAGE}`)
    process.exit(2)
  }
  return value
}
const CPU_PROF_DIR = valueOf('--cpu-prof') && path.resolve(valueOf('--cpu-prof'))
const CLI = path.resolve(valueOf('--cli') ?? path.join(ROOT, 'dist', 'cli.js'))
const BEFORE_CLI = valueOf('--before') && path.resolve(valueOf('--before'))
const MCP_REMOTE = valueOf('--mcp-remote')
  ? path.resolve(valueOf('--mcp-remote'))
  : [path.join(ROOT, 'node_modules', 'mcp-remote', 'dist', 'proxy.js')].find((file) =>
      existsSync(file),
    )
const ROUNDS = valueOf('--rounds') === undefined ? undefined : Number(valueOf('--rounds'))
if (ROUNDS !== undefined && !(Number.isInteger(ROUNDS) && ROUNDS >= 1)) {
  process.stderr.write(`bench: --rounds takes a whole number ≥ 1\n${USAGE}`)
  process.exit(2)
}
/** NODE_OPTIONS for the measured proxies (not the start-up samples), e.g. "--max-semi-space-size=2". */
const PROXY_NODE_OPTIONS = valueOf('--node-options')
const PHASES = ['c1', 'c32', 'sse', 'stream', 'stdio']
const ONLY = new Set(
  (valueOf('--only') ?? PHASES.join(','))
    .split(',')
    .map((phase) => phase.trim())
    .filter(Boolean),
)
if ([...ONLY].some((phase) => !PHASES.includes(phase))) {
  process.stderr.write(
    `bench: --only takes a comma-separated list of ${PHASES.join(', ')}\n${USAGE}`,
  )
  process.exit(2)
}
const unknown = argv.filter(
  (arg, i) =>
    !['--quick', '--no-nginx', '--floor', ...WITH_VALUE].includes(arg) &&
    !WITH_VALUE.includes(argv[i - 1]),
)
if (unknown.length) {
  process.stderr.write(`bench: unknown argument(s): ${unknown.join(' ')}\n${USAGE}`)
  process.exit(2)
}

/**
 * Each measured round runs every path once, in rotating order. Warm-up runs `chunk`-sized
 * batches for `warmMs` per path (at most `warmMax` requests); round sizes are request counts
 * derived from the warm-up's rate so the slowest path's round takes about `roundMs` (the same
 * count on every path), clamped to [min, max]. A phase that overruns `PHASE_OVERRUN`× its plan
 * (a busy machine) stops after the round in progress, with at least 2 rounds.
 */
const PLAN = QUICK
  ? {
      startSamples: 3,
      /** JIT warm-up before any phase: this many calls per path at c=32. */
      jitWarm: 1_000,
      c1: { warmMs: 500, warmMax: 5_000, chunk: 50, rounds: 6, roundMs: 250, min: 50, max: 5_000 },
      c32: {
        warmMs: 500,
        warmMax: 20_000,
        chunk: 200,
        rounds: 4,
        roundMs: 250,
        min: 200,
        max: 20_000,
      },
      sse: { warmMs: 200, warmMax: 2_000, chunk: 25, rounds: 4, roundMs: 120, min: 25, max: 2_000 },
      stream: { warm: 1, rounds: 4, calls: 1, events: 25, delayMs: 2 },
      stdio: { rounds: 2 },
    }
  : {
      startSamples: 5,
      jitWarm: 5_000,
      c1: {
        warmMs: 1_500,
        warmMax: 20_000,
        chunk: 100,
        rounds: 12,
        roundMs: 600,
        min: 100,
        max: 20_000,
      },
      c32: {
        warmMs: 1_500,
        warmMax: 60_000,
        chunk: 320,
        rounds: 8,
        roundMs: 600,
        min: 320,
        max: 60_000,
      },
      sse: { warmMs: 500, warmMax: 5_000, chunk: 50, rounds: 8, roundMs: 300, min: 50, max: 5_000 },
      stream: { warm: 1, rounds: 8, calls: 2, events: 25, delayMs: 2 },
      stdio: { rounds: 3 },
    }
if (ROUNDS !== undefined) for (const key of PHASES) PLAN[key].rounds = ROUNDS
const PHASE_OVERRUN = 2.5
const CONCURRENCY = 32
/** Hard cap on the whole run: a stuck request ends the benchmark as a setup failure. */
const RUN_DEADLINE_MS = QUICK ? 180_000 : 720_000

/** The bridge against the minimal Node proxy (the yardstick) and the direct path, in the same run. */
const TARGETS = {
  cpuToMinimal: 0.9,
  addedP50ToMinimal: 0.9,
  throughputRatio: 0.95,
  firstEventToDirect: 1.25,
  peakRssToMinimal: 0.8,
  startRatio: 2.5,
}

// ---------------------------------------------------------------- child processes & failure

const children = new Set()
function killChildren() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL')
      } catch {
        /* already gone */
      }
    }
  }
}
process.on('exit', killChildren)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killChildren()
    process.exit(130)
  })
}

class SetupError extends Error {}
function fail(message) {
  process.stderr.write(`\nbench: setup failed: ${message}\n`)
  killChildren()
  process.exit(1)
}
setTimeout(
  () => fail(`the run took longer than ${RUN_DEADLINE_MS / 1000} s (a request is stuck?)`),
  RUN_DEADLINE_MS,
).unref()

function track(child) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

let HOME
/** Where the children's stdout/stderr files go. */
let OUTPUT_DIR
const childEnv = () => ({
  ...process.env,
  MCP_OAUTH_BRIDGE_HOME: HOME,
  NO_COLOR: '1',
  MCP_OAUTH_BRIDGE_DEBUG: '',
})

/** Runs one CLI command to completion (asynchronously: `add` probes the upstream in this process). */
function cli(args) {
  return new Promise((resolve, reject) => {
    const child = track(
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: childEnv(), timeout: 30_000 },
        (error, stdout, stderr) => {
          if (error)
            reject(
              new SetupError(
                `\`mcp-oauth-bridge ${args.join(' ')}\` failed (${error.code ?? error.signal ?? error.message}):\n${stderr || stdout}`,
              ),
            )
          else resolve(stdout)
        },
      ),
    )
    child.stdin?.end()
  })
}

/** Waits for a child to exit, SIGKILLing it after `graceMs`. */
function waitExit(child, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

let outputSeq = 0
/**
 * Spawns a node process with `args`; resolves at its "listening on <url>" line with the time
 * from spawn to it. Its stdout and stderr go to files, not pipes: the bridge logs a line per
 * request, and a pipe would wake this process for each one (load the bridge's own terminal or
 * file would not put on the client). The files are polled every millisecond until ready.
 */
function startProcess(args, what, env = childEnv()) {
  const base = path.join(OUTPUT_DIR, `${++outputSeq}-${what.replace(/\W+/g, '-')}`)
  const outFd = openSync(`${base}.out`, 'w')
  const errFd = openSync(`${base}.err`, 'w')
  const spawnedAt = performance.now()
  let child
  try {
    child = track(spawn(process.execPath, args, { env, stdio: ['ignore', outFd, errFd] }))
  } finally {
    closeSync(outFd)
    closeSync(errFd)
  }
  const output = () => {
    const read = (file) => {
      try {
        return readFileSync(file, 'utf8')
      } catch {
        return ''
      }
    }
    return { out: read(`${base}.out`), err: read(`${base}.err`) }
  }
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (error, value) => {
      if (settled) return
      settled = true
      clearInterval(poll)
      clearTimeout(timer)
      if (error) reject(error)
      else resolve(value)
    }
    const describe = () => {
      const { out, err } = output()
      return `stdout: ${out.slice(0, 5_000)}\nstderr: ${err.slice(0, 5_000)}`
    }
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output().out)
      if (match)
        settle(undefined, { child, url: match[1], readyMs: performance.now() - spawnedAt, output })
    }, 1)
    const timer = setTimeout(
      () =>
        settle(
          new SetupError(`${what} printed no "listening on" line within 15 s.\n${describe()}`),
        ),
      15_000,
    )
    child.once('exit', (code, signal) =>
      settle(new SetupError(`${what} exited (${code ?? signal}) before listening.\n${describe()}`)),
    )
  })
}

/** `start --port 0` of the CLI under test. */
const startBridge = (nodeArgs = [], env = childEnv(), cli = CLI) =>
  startProcess(
    [...nodeArgs, cli, 'start', '--port', '0'],
    cli === CLI ? 'the bridge' : 'the before bridge',
    env,
  )
/** The environment of the measured proxies: NODE_OPTIONS from --node-options, if given. */
const proxyEnv = () =>
  PROXY_NODE_OPTIONS
    ? {
        ...childEnv(),
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${PROXY_NODE_OPTIONS}`.trim(),
      }
    : childEnv()

function nodeBaseline() {
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.now()
    const child = track(spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }))
    child.once('exit', (code) =>
      code === 0
        ? resolve(performance.now() - spawnedAt)
        : reject(new SetupError(`node -e 0 exited ${code}`)),
    )
  })
}

// ---------------------------------------------------------------- requests

const STATIC_TOKEN = `bench-static-${Math.random().toString(36).slice(2)}`
/** Send times of the `stream` tool's events: progressToken → index → performance.now(). */
const streamSends = new Map()

/** Pre-built tools/call bodies with distinct ids (the SDK routes answers by request id). */
const ECHO_BODIES = Array.from({ length: 1024 }, (_, id) =>
  Buffer.from(
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'hello' } },
    }),
  ),
)

class Target {
  constructor(label, origin, jsonPath, ssePath, authorization, pid) {
    this.label = label
    this.pid = pid
    /** Per phase, one result per round: latency samples, or req/s. */
    this.rounds = {}
    /** Per CPU bucket: { us, n } of the proxy process. */
    this.cpu = {}
    /** Per CPU bucket: { us, n } of this (client + upstream) process while this path ran. */
    this.benchCpu = {}
    this.jsonPath = jsonPath
    this.ssePath = ssePath
    this.authorization = authorization
    this.pool1 = new Pool(origin, { connections: 1, pipelining: 1, keepAliveTimeout: 120_000 })
    this.pool32 = new Pool(origin, {
      connections: CONCURRENCY,
      pipelining: 1,
      keepAliveTimeout: 120_000,
    })
    this.next = 0
  }

  body() {
    this.next = (this.next + 1) % ECHO_BODIES.length
    return ECHO_BODIES[this.next]
  }

  headers(sessionId) {
    return {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: this.authorization,
      'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
      ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
    }
  }

  /** initialize + notifications/initialized on both paths; keeps the session ids and headers. */
  async open() {
    for (const [kind, p] of [
      ['json', this.jsonPath],
      ['sse', this.ssePath],
    ]) {
      const init = await this.pool1.request({
        path: p,
        method: 'POST',
        headers: this.headers(),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'init',
          method: 'initialize',
          params: {
            protocolVersion: LATEST_PROTOCOL_VERSION,
            capabilities: {},
            clientInfo: { name: 'bench', version: '1' },
          },
        }),
      })
      const text = await init.body.text()
      const sessionId = init.headers['mcp-session-id']
      if (init.statusCode !== 200 || typeof sessionId !== 'string') {
        throw new SetupError(
          `${this.label} initialize on ${p} answered ${init.statusCode} without a session id: ${text.slice(0, 300)}`,
        )
      }
      const headers = this.headers(sessionId)
      const note = await this.pool1.request({
        path: p,
        method: 'POST',
        headers,
        body: '{"jsonrpc":"2.0","method":"notifications/initialized"}',
      })
      await note.body.dump()
      if (note.statusCode !== 202)
        throw new SetupError(
          `${this.label} notifications/initialized on ${p} answered ${note.statusCode}`,
        )
      this[kind] = headers
    }
  }

  /** One echo tools/call; resolves when the whole answer has arrived. */
  async call(pool, kind) {
    const { statusCode, body } = await pool.request({
      path: kind === 'json' ? this.jsonPath : this.ssePath,
      method: 'POST',
      headers: this[kind],
      body: this.body(),
    })
    const text = await body.text()
    if (statusCode !== 200 || !text.includes('"hello"')) {
      throw new SetupError(
        `${this.label} tools/call echo (${kind}) answered ${statusCode}: ${text.slice(0, 300)}`,
      )
    }
  }

  close() {
    return Promise.all([this.pool1.close(), this.pool32.close()])
  }
}

async function latencyRound(target, kind, n, samples) {
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    await target.call(target.pool1, kind)
    samples?.push(performance.now() - started)
  }
}

/** n calls spread over CONCURRENCY workers; returns the elapsed ms. */
async function throughputRound(target, n) {
  let issued = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < n) {
        issued++
        await target.call(target.pool32, 'json')
      }
    }),
  )
  return performance.now() - started
}

let streamSeq = 0
/** Streaming calls: delay from the upstream's send to this client's receipt, per event. */
async function streamRound(target, calls, events, delayMs, samples, firsts) {
  for (let c = 0; c < calls; c++) {
    const requested = performance.now()
    const progressToken = `${target.label}-${++streamSeq}`
    const sends = []
    streamSends.set(progressToken, sends)
    const received = []
    const { statusCode, headers, body } = await target.pool1.request({
      path: target.ssePath,
      method: 'POST',
      headers: target.sse,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: `s${streamSeq}`,
        method: 'tools/call',
        params: { name: 'stream', arguments: { count: events, delayMs }, _meta: { progressToken } },
      }),
    })
    if (statusCode !== 200 || !String(headers['content-type']).includes('text/event-stream')) {
      const text = await body.text()
      throw new SetupError(
        `${target.label} stream call answered ${statusCode} ${headers['content-type']}: ${text.slice(0, 300)}`,
      )
    }
    let buffer = ''
    let answered = false
    for await (const chunk of body) {
      const at = performance.now()
      buffer += chunk.toString('utf8')
      let end
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('')
        if (!data) continue
        const message = JSON.parse(data)
        if (
          message.method === 'notifications/progress' &&
          message.params?.progressToken === progressToken
        )
          received[message.params.progress] = at
        else if (message.result) answered = true
      }
    }
    streamSends.delete(progressToken)
    if (!answered) throw new SetupError(`${target.label} stream call ended without an answer`)
    for (let i = 1; i <= events; i++) {
      if (sends[i] === undefined || received[i] === undefined)
        throw new SetupError(`${target.label} stream call lost event ${i}`)
      samples?.push(received[i] - sends[i])
    }
    // From the request to its first event: what a client waits before it sees the stream move.
    firsts?.push(received[1] - requested)
  }
}

// ---------------------------------------------------------------- main

const fmt = (value, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')
const met = (ok) => (ok ? 'yes' : 'NO')
const timed = async (run) => {
  const started = performance.now()
  await run()
  return performance.now() - started
}
const clamp = (value, { min, max }) => Math.max(min, Math.min(max, Math.round(value)))
const p50 = (values) => percentile(values, 50)

async function main() {
  const runStarted = performance.now()
  const loadBefore = loadavg()[0]
  if (!existsSync(CLI))
    throw new SetupError(
      `${CLI} does not exist: run \`npm run build\` first (or use \`npm run bench\`).`,
    )
  HOME = mkdtempSync(path.join(tmpdir(), 'mcp-oauth-bridge-bench-'))
  OUTPUT_DIR = mkdtempSync(path.join(tmpdir(), 'mcp-oauth-bridge-bench-output-'))
  process.on('exit', () => {
    rmSync(HOME, { recursive: true, force: true })
    rmSync(OUTPUT_DIR, { recursive: true, force: true })
  })

  const upstream = await startUpstream({
    token: STATIC_TOKEN,
    onStreamSend: (token, index, at) => {
      const sends = streamSends.get(token)
      if (sends) sends[index] = at
    },
  })
  progress(`upstream ${upstream.origin} (/mcp JSON, /mcp-sse SSE); bridge home ${HOME}`)

  await cli(['init'])
  await cli([
    'add',
    'bench',
    `${upstream.origin}/mcp`,
    '--header',
    `Authorization: Bearer ${STATIC_TOKEN}`,
  ])
  await cli(['policy', 'bench', 'allow'])
  // Same thing in one step for the SSE server (saves a CLI start-up).
  await cli([
    'add',
    'bench-sse',
    `${upstream.origin}/mcp-sse`,
    '--header',
    `Authorization: Bearer ${STATIC_TOKEN}`,
    '--policy',
    'allow',
  ])
  let connection
  try {
    connection = JSON.parse(await cli(['connect', 'bench', '--json']))
  } catch (error) {
    if (error instanceof SetupError) throw error
    throw new SetupError(`\`connect bench --json\` did not print JSON: ${error.message}`)
  }
  const bridgeAuthorization =
    connection?.headers?.Authorization ?? connection?.headers?.authorization
  if (typeof bridgeAuthorization !== 'string')
    throw new SetupError(
      `\`connect bench --json\` printed no Authorization header: ${JSON.stringify(connection)}`,
    )

  // Readiness: spawn → "listening on", interleaved with spawn → exit of `node -e 0`.
  progress('start-up: node -e 0 vs start --port 0 …')
  const baselineMs = []
  const readyMs = []
  for (let i = 0; i < PLAN.startSamples; i++) {
    for (const which of i % 2 === 0 ? ['node', 'bridge'] : ['bridge', 'node']) {
      if (which === 'node') baselineMs.push(await nodeBaseline())
      else {
        const started = await startBridge()
        readyMs.push(started.readyMs)
        started.child.kill('SIGTERM')
        await waitExit(started.child, 3_000)
      }
    }
  }

  // The proxies under measurement: the bridge, the yardsticks and, with --before, another build.
  if (CPU_PROF_DIR) mkdirSync(CPU_PROF_DIR, { recursive: true })
  const profiled = (name) =>
    CPU_PROF_DIR
      ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR, '--cpu-prof-name', `${name}.cpuprofile`]
      : []
  const bridge = await startBridge(profiled('bridge'), proxyEnv())
  const before = BEFORE_CLI ? await startBridge([], proxyEnv(), BEFORE_CLI) : undefined
  const minimalProcess = await startProcess(
    [
      ...profiled('minimal'),
      path.join(HERE, 'floor-proxy.mjs'),
      upstream.origin,
      `Bearer ${STATIC_TOKEN}`,
    ],
    'the minimal proxy',
    proxyEnv(),
  )
  const nginxBinary = NO_NGINX ? undefined : findNginx()
  const nginx = nginxBinary
    ? await startNginx(nginxBinary, OUTPUT_DIR, upstream.origin, `Bearer ${STATIC_TOKEN}`, track)
    : undefined
  if (!nginxBinary)
    progress(
      NO_NGINX ? 'nginx left out (--no-nginx)' : 'nginx is not installed: measured without it',
    )
  await new Promise((resolve) => setTimeout(resolve, 200))
  const idle = (child) => processStatusKb(child.pid, 'VmRSS')
  progress(
    `bridge pid ${bridge.child.pid} at ${bridge.url}; minimal proxy pid ${minimalProcess.child.pid}${nginx ? `; nginx pid ${nginx.child.pid}` : ''}${before ? `; before pid ${before.child.pid}` : ''}`,
  )

  const direct = new Target('direct', upstream.origin, '/mcp', '/mcp-sse', `Bearer ${STATIC_TOKEN}`)
  const bridged = new Target(
    'bridge',
    new URL(bridge.url).origin,
    '/mcp/bench',
    '/mcp/bench-sse',
    bridgeAuthorization,
    bridge.child.pid,
  )
  const minimal = new Target(
    'minimal',
    new URL(minimalProcess.url).origin,
    '/mcp/bench',
    '/mcp/bench-sse',
    'Bearer unused',
    minimalProcess.child.pid,
  )
  const nginxTarget =
    nginx &&
    new Target('nginx', nginx.url, '/mcp/bench', '/mcp/bench-sse', 'Bearer unused', nginx.child.pid)
  const beforeTarget =
    before &&
    new Target(
      'before',
      new URL(before.url).origin,
      '/mcp/bench',
      '/mcp/bench-sse',
      bridgeAuthorization,
      before.child.pid,
    )
  const targets = [
    direct,
    minimal,
    ...(nginxTarget ? [nginxTarget] : []),
    bridged,
    ...(beforeTarget ? [beforeTarget] : []),
  ]
  for (const t of targets) if (t.pid) t.idleRssKb = idle({ pid: t.pid })
  for (const t of targets) await t.open()
  progress(`JIT warm-up: ${PLAN.jitWarm} calls per path …`)
  for (const t of targets) await throughputRound(t, PLAN.jitWarm)
  /** Round r visits the paths in a rotated order, reversed every other cycle, so none is always first. */
  const order = (r) => {
    const shift = r % targets.length
    const rotated = [...targets.slice(shift), ...targets.slice(0, shift)]
    return Math.floor(r / targets.length) % 2 === 0 ? rotated : rotated.reverse()
  }

  /** Runs a round; for a proxy, adds its CPU time (all threads, from /proc) to `bucket`. */
  const round = async (t, bucket, n, run) => {
    if (!bucket) return run()
    const before = t.pid ? processCpuMicros(t.pid) : 0
    const own = process.cpuUsage()
    const value = await run()
    const used = process.cpuUsage(own)
    t.benchCpu[bucket] ??= { us: 0, n: 0 }
    t.benchCpu[bucket].us += used.user + used.system
    t.benchCpu[bucket].n += n
    if (!t.pid) return value
    t.cpu[bucket] ??= { us: 0, n: 0 }
    t.cpu[bucket].us += processCpuMicros(t.pid) - before
    t.cpu[bucket].n += n
    return value
  }
  /** Warm-up on every path; the round size that makes the slowest take `spec.roundMs` (rate from the warm second half). */
  const warmUp = async (spec, run) => {
    let slowest = 0
    for (const t of targets) {
      const until = performance.now() + spec.warmMs
      const perRequest = []
      for (
        let n = 0;
        n < spec.warmMax && (performance.now() < until || perRequest.length < 2);
        n += spec.chunk
      ) {
        perRequest.push((await timed(() => run(t, spec.chunk))) / spec.chunk)
      }
      slowest = Math.max(slowest, median(perRequest.slice(Math.floor(perRequest.length / 2))))
    }
    return clamp(spec.roundMs / slowest, spec)
  }
  const cutShort = []
  const rounds = {}
  /** One phase: warm-up, then interleaved rounds; `measure(t, n)` returns a round's result. */
  const phase = async (key, title, spec, warm, measure, bucket) => {
    if (!ONLY.has(key)) return
    progress(`${title} …`)
    rounds[key] = await warmUp(spec, warm)
    for (const t of targets) t.rounds[key] = []
    const deadline = performance.now() + PHASE_OVERRUN * spec.rounds * spec.roundMs * targets.length
    for (let r = 0; r < spec.rounds; r++) {
      if (r >= 2 && performance.now() > deadline) {
        cutShort.push(`${key} after ${r} of ${spec.rounds} rounds`)
        break
      }
      for (const t of order(r))
        t.rounds[key].push(await round(t, bucket, rounds[key], () => measure(t, rounds[key])))
    }
  }
  const latencySamples = (kind) => async (t, n) => {
    const samples = []
    await latencyRound(t, kind, n, samples)
    return samples
  }

  // 1. tools/call, concurrency 1.
  await phase(
    'c1',
    'tools/call c=1',
    PLAN.c1,
    (t, n) => latencyRound(t, 'json', n),
    latencySamples('json'),
    'c1',
  )
  // 2. tools/call, concurrency 32: req/s per round.
  await phase(
    'c32',
    `tools/call c=${CONCURRENCY}`,
    PLAN.c32,
    (t, n) => throughputRound(t, n),
    async (t, n) => (n * 1000) / (await throughputRound(t, n)),
    'c32',
  )
  // 3. A call answered over SSE.
  await phase(
    'sse',
    'tools/call answered over SSE',
    PLAN.sse,
    (t, n) => latencyRound(t, 'sse', n),
    latencySamples('sse'),
    'sse',
  )
  // 4. A streaming call: upstream send → client receipt of each progress notification.
  const { calls, events, delayMs } = PLAN.stream
  if (ONLY.has('stream')) {
    progress('streaming call …')
    for (const t of targets) await streamRound(t, PLAN.stream.warm, events, delayMs)
    for (const t of targets) {
      t.rounds.stream = []
      t.rounds.first = []
    }
    for (let r = 0; r < PLAN.stream.rounds; r++) {
      for (const t of order(r)) {
        const samples = []
        const firsts = []
        await streamRound(t, calls, events, delayMs, samples, firsts)
        t.rounds.stream.push(samples)
        t.rounds.first.push(firsts)
      }
    }
    rounds.stream = calls
  }
  // 5. stdio: the bridge's relay (and the before build's) against mcp-remote on the same upstream.
  const stdio = []
  if (ONLY.has('stdio')) {
    const stdioCalls = QUICK ? 300 : 1_000
    const runs = [
      // Each relay talks to its own build's bridge (both share one home, so the port is named).
      [
        'bridge stdio',
        process.execPath,
        [CLI, 'stdio', 'bench', '--port', new URL(bridge.url).port],
      ],
      ...(BEFORE_CLI
        ? [
            [
              'before stdio',
              process.execPath,
              [BEFORE_CLI, 'stdio', 'bench', '--port', new URL(before.url).port],
            ],
          ]
        : []),
      ...(MCP_REMOTE
        ? [
            [
              'mcp-remote',
              process.execPath,
              [
                MCP_REMOTE,
                `${upstream.origin}/mcp`,
                '--allow-http',
                '--transport',
                'http-only',
                '--header',
                `Authorization:Bearer ${STATIC_TOKEN}`,
              ],
            ],
          ]
        : []),
    ]
    if (!MCP_REMOTE)
      progress('mcp-remote is not installed (--mcp-remote FILE): stdio measured without it')
    progress(`stdio: ${stdioCalls} calls each, ${PLAN.stdio.rounds} rounds …`)
    for (let r = 0; r < PLAN.stdio.rounds; r++) {
      const rotated = [...runs.slice(r % runs.length), ...runs.slice(0, r % runs.length)]
      for (const [label, command, args] of rotated) {
        const measured = await measureStdio(command, args, childEnv(), stdioCalls, track)
        let entry = stdio.find((item) => item.label === label)
        if (!entry) stdio.push((entry = { label, cpu: [], peak: [] }))
        entry.cpu.push(measured.cpuUs)
        entry.peak.push(measured.peakMb)
      }
    }
  }
  progress('measurements done')
  for (const t of targets) {
    if (!t.pid) continue
    t.peakRssKb = processStatusKb(t.pid, 'VmHWM')
    t.rssKb = processStatusKb(t.pid, 'VmRSS')
  }

  // ------------------------------------------------------------ report
  /** Added p50: the median over rounds of (proxied − direct), so drift cancels. */
  const addedP50 = (t, key) =>
    median(t.rounds[key].map((samples, r) => p50(samples) - p50(direct.rounds[key][r])))
  const cpuUs = (t, bucket) => (t.cpu[bucket] ? t.cpu[bucket].us / t.cpu[bucket].n : Number.NaN)
  const rows = []
  /** One metric: its value per path; for the bridge, its ratio to `ref` and the target. */
  const row = (metric, value, digits, ratioTo, limit, better = 'lower') => {
    const values = targets.map((t) =>
      t === direct && value(t) === undefined ? '—' : fmt(value(t), digits),
    )
    const ratio = ratioTo ? value(bridged) / value(ratioTo) : Number.NaN
    const ok = better === 'lower' ? ratio <= limit : ratio >= limit
    rows.push([
      metric,
      ...values,
      ratioTo ? `${fmt(ratio, 2)}× ${ratioTo.label}` : '—',
      ratioTo ? `${better === 'lower' ? '≤' : '≥'} ${limit}×` : '—',
      ratioTo ? met(ok) : '—',
    ])
  }
  if (ONLY.has('c1')) {
    row('tools/call c=1 p50 (ms)', (t) => p50(t.rounds.c1.flat()), 3)
    row(
      '  added to direct, p50 (ms)',
      (t) => (t === direct ? undefined : addedP50(t, 'c1')),
      3,
      minimal,
      TARGETS.addedP50ToMinimal,
    )
    row(
      '  CPU per request, JSON (µs)',
      (t) => (t.pid ? cpuUs(t, 'c1') : undefined),
      1,
      minimal,
      TARGETS.cpuToMinimal,
    )
  }
  if (ONLY.has('sse')) {
    row('tools/call over SSE c=1 p50 (ms)', (t) => p50(t.rounds.sse.flat()), 3)
    row(
      '  CPU per request, SSE (µs)',
      (t) => (t.pid ? cpuUs(t, 'sse') : undefined),
      1,
      minimal,
      TARGETS.cpuToMinimal,
    )
  }
  if (ONLY.has('c32')) {
    row(
      `tools/call c=${CONCURRENCY} (req/s)`,
      (t) => median(t.rounds.c32),
      0,
      direct,
      TARGETS.throughputRatio,
      'higher',
    )
    row(`  CPU per request, c=${CONCURRENCY} (µs)`, (t) => (t.pid ? cpuUs(t, 'c32') : undefined), 1)
  }
  if (ONLY.has('stream')) {
    row('streamed event send→receive p50 (ms)', (t) => p50(t.rounds.stream.flat()), 3)
    row(
      'first streamed event p50 (ms)',
      (t) => p50(t.rounds.first.flat()),
      3,
      direct,
      TARGETS.firstEventToDirect,
    )
  }
  row(
    'peak RSS, VmHWM (MiB)',
    (t) => (t.pid ? processStatusKb(t.pid, 'VmHWM') / 1024 : undefined),
    1,
    minimal,
    TARGETS.peakRssToMinimal,
  )
  row('idle RSS (MiB)', (t) => (t.pid ? t.idleRssKb / 1024 : undefined), 1)
  const remote = stdio.find((item) => item.label === 'mcp-remote')
  const stdioTable =
    stdio.length === 0
      ? undefined
      : formatTable(
          ['stdio command', 'CPU per call (µs)', 'peak RSS (MiB)', 'target', 'met?'],
          stdio.map((item) => {
            const cpu = median(item.cpu)
            const peak = Math.max(...item.peak)
            const judged = item.label === 'bridge stdio'
            const ok = (remote ? cpu <= 0.5 * median(remote.cpu) : true) && peak < 60
            return [
              item.label,
              fmt(cpu, 1),
              fmt(peak, 1),
              judged
                ? `≤ 0.5× mcp-remote${remote ? ` (${fmt(median(item.cpu) / median(remote.cpu), 2)}×)` : ''}, < 60 MiB`
                : '—',
              judged ? met(ok) : '—',
            ]
          }),
        )
  const startRatio = median(readyMs) / median(baselineMs)
  const mainTable = formatTable(
    ['metric', ...targets.map((t) => t.label), 'bridge ratio', 'target', 'met?'],
    rows,
  )
  const startLine = `start-up: node -e 0 ${fmt(median(baselineMs), 1)} ms, bridge start→listening ${fmt(median(readyMs), 1)} ms: ${fmt(startRatio, 2)}× (target ≤ ${TARGETS.startRatio}×: ${met(startRatio <= TARGETS.startRatio)})`

  // Shut down before printing so a --cpu-prof profile is complete.
  await Promise.all(targets.map((t) => t.close()))
  for (const child of [bridge.child, minimalProcess.child, nginx?.child, before?.child])
    child?.kill('SIGTERM')
  await waitExit(bridge.child, CPU_PROF_DIR ? 15_000 : 3_000)
  await upstream.close()

  const range = (values, digits) =>
    `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}`
  const plan = [
    ONLY.has('c1') && `c=1 ${direct.rounds.c1.length}×${rounds.c1} calls`,
    ONLY.has('c32') && `c=${CONCURRENCY} ${direct.rounds.c32.length}×${rounds.c32}`,
    ONLY.has('sse') && `SSE ${direct.rounds.sse.length}×${rounds.sse}`,
    ONLY.has('stream') &&
      `stream ${PLAN.stream.rounds}×${calls} calls × ${events} events ${delayMs} ms apart`,
  ]
    .filter(Boolean)
    .join(', ')
  const spread = targets
    .map((t) =>
      [
        ONLY.has('c1') && `c=1 p50 ${range(t.rounds.c1.map(p50), 3)} ms`,
        ONLY.has('c32') && `c=${CONCURRENCY} ${range(t.rounds.c32, 0)} req/s`,
      ]
        .filter(Boolean)
        .join(', '),
    )
    .map((text, i) => text && `${targets[i].label} ${text}`)
    .filter(Boolean)
  const benchCpu = ['c1', 'c32']
    .filter((b) => ONLY.has(b))
    .map(
      (b) =>
        `${b === 'c1' ? 'c=1' : `c=${CONCURRENCY}`} ${targets.map((t) => `${t.label} ${fmt(t.benchCpu[b].us / t.benchCpu[b].n, 0)} µs`).join(', ')}`,
    )
    .join('; ')
  const out = [
    '',
    `mcp-oauth-bridge benchmark${QUICK ? ' (--quick)' : ''}: node ${process.version}, ${cpus().length} CPUs, load average ${fmt(loadBefore, 2)} → ${fmt(loadavg()[0], 2)}, ${fmt((performance.now() - runStarted) / 1000, 1)} s`,
    `direct = bench process → SDK server (same process); minimal = scripts/bench/floor-proxy.mjs (node:http + undici Pool, no checks, no log)${nginx ? `; nginx = ${nginxVersion(nginxBinary)}` : ''}; bridge = ${path.relative(ROOT, CLI)} (guard, gate, log)${before ? `; before = ${BEFORE_CLI}` : ''}${PROXY_NODE_OPTIONS ? `; NODE_OPTIONS ${PROXY_NODE_OPTIONS}` : ''}`,
    `rounds alternate between paths; per path: ${plan}; start-up ${PLAN.startSamples} each`,
    'columns pool all rounds; "added" is the median of per-round differences to direct; CPU per request is the proxy process\'s own (all threads, /proc)',
    '',
    mainTable,
    '',
    startLine,
    ...(stdioTable ? ['', stdioTable] : []),
    ...(spread.length ? [`per-round spread: ${spread.join('; ')}`] : []),
    ...(benchCpu
      ? [`bench process (client + upstream) CPU per call while each path ran: ${benchCpu}`]
      : []),
    ...(cutShort.length
      ? [`cut short (the machine is slower than planned for): ${cutShort.join(', ')}`]
      : []),
    ...(CPU_PROF_DIR
      ? [
          `CPU profiles written to ${CPU_PROF_DIR}: bridge.cpuprofile, minimal.cpuprofile (summary: node scripts/bench/profile-summary.mjs ${CPU_PROF_DIR}/bridge.cpuprofile)`,
        ]
      : []),
  ]
  process.stdout.write(`${out.join('\n')}\n`)
}

let lastProgress = performance.now()
function progress(line) {
  const now = performance.now()
  process.stderr.write(`bench: [+${((now - lastProgress) / 1000).toFixed(1)} s] ${line}\n`)
  lastProgress = now
}

try {
  await main()
  process.exit(0)
} catch (error) {
  fail(error instanceof SetupError ? error.message : (error?.stack ?? String(error)))
}
