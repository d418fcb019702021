// The runtime file (runtime.json in the bridge home): how other processes find the bridge that
// actually runs, whatever port it got. `start` and `demo` write it once listening and remove it
// when they stop; a file left behind by a bridge that died is recognised as stale and ignored.
import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { get } from 'node:http'
import type { BridgePaths } from '../config/paths.js'
import { isRecord } from '../config/schema.js'
import { writeFileAtomic } from '../fs/atomic-write.js'

export interface BridgeRuntime {
  /** Random per run and reported by /health, so a reused pid or port is not taken for this bridge. */
  instanceId: string
  pid: number
  host: string
  port: number
  /** The address the bridge printed, e.g. http://127.0.0.1:3001. */
  url: string
  /** ISO 8601. */
  startedAt: string
  version: string
}

/** What answers on a port: this product's /health (with the instance it names), nothing, or something else. */
export type HealthProbe =
  | { kind: 'running'; version: string; pid: number; instanceId: string | undefined }
  | { kind: 'free' }
  | { kind: 'other'; detail: string }

export type RuntimeLookup =
  | { kind: 'running'; runtime: BridgeRuntime }
  | { kind: 'none' }
  | { kind: 'stale'; runtime: BridgeRuntime | undefined; reason: string }

export function newInstanceId(): string {
  return randomBytes(16).toString('hex')
}

/** The URL base to reach a bridge listening on `host`: IPv6 literals need brackets. */
export function originOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : host}:${port}`
}

/**
 * Asks `/health` on the port. node:http rather than fetch: fetch loads undici's WebAssembly parser,
 * about 15 MiB in every command that only wants to know whether the bridge runs (`stdio` among
 * them, which stays up as long as its client).
 */
export function probeHealth(host: string, port: number, timeoutMs = 3_000): Promise<HealthProbe> {
  return new Promise((resolve) => {
    const asked = get(
      `${originOf(host, port)}/health`,
      { agent: false, timeout: timeoutMs },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          text += chunk
          // /health is a few dozen bytes; anything longer is not this product's.
          if (text.length > HEALTH_BODY_LIMIT) response.destroy()
        })
        response.once('close', () =>
          resolve(judgeHealth(response.statusCode ?? 0, response.headers.server, text)),
        )
      },
    )
    asked.once('timeout', () =>
      asked.destroy(
        Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' }),
      ),
    )
    asked.once('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ECONNREFUSED'
          ? { kind: 'free' }
          : { kind: 'other', detail: error.code ?? error.message },
      ),
    )
  })
}

const HEALTH_BODY_LIMIT = 16 * 1024

function judgeHealth(
  status: number,
  server: string | string[] | undefined,
  text: string,
): HealthProbe {
  let body:
    { service?: unknown; version?: unknown; pid?: unknown; instanceId?: unknown } | undefined
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    body = undefined
  }
  if (status >= 200 && status < 300 && body?.service === 'mcp-oauth-bridge') {
    return {
      kind: 'running',
      version: typeof body.version === 'string' ? body.version : '?',
      pid: typeof body.pid === 'number' ? body.pid : 0,
      instanceId: typeof body.instanceId === 'string' ? body.instanceId : undefined,
    }
  }
  return {
    kind: 'other',
    detail: `something else answers there (HTTP ${status}${server ? `, ${server}` : ''})`,
  }
}

/** The file as written, or undefined when there is none or it does not hold a runtime record. */
export async function readRuntimeFile(paths: BridgePaths): Promise<BridgeRuntime | undefined> {
  let text: string
  try {
    text = await readFile(paths.runtime, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return parseRuntime(text)
}

/**
 * The bridge the runtime file names, if it still runs: its pid is alive and /health on its port
 * answers with its instance id. Anything else is stale and ignored (not deleted: a bridge starting
 * at this moment may be replacing it).
 */
export async function findRunningBridge(paths: BridgePaths): Promise<RuntimeLookup> {
  let text: string
  try {
    text = await readFile(paths.runtime, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' }
    return {
      kind: 'stale',
      runtime: undefined,
      reason: `${paths.runtime} cannot be read (${(error as Error).message})`,
    }
  }
  const runtime = parseRuntime(text)
  if (!runtime)
    return {
      kind: 'stale',
      runtime: undefined,
      reason: `${paths.runtime} is not a runtime file this version understands`,
    }
  return checkRuntime(runtime)
}

export async function checkRuntime(runtime: BridgeRuntime): Promise<RuntimeLookup> {
  if (!isProcessAlive(runtime.pid))
    return { kind: 'stale', runtime, reason: `pid ${runtime.pid} is not running` }
  const health = await probeHealth(runtime.host, runtime.port)
  if (health.kind === 'free')
    return { kind: 'stale', runtime, reason: `nothing listens on port ${runtime.port}` }
  if (health.kind === 'other')
    return { kind: 'stale', runtime, reason: `port ${runtime.port}: ${health.detail}` }
  if (health.instanceId !== runtime.instanceId || health.pid !== runtime.pid) {
    return {
      kind: 'stale',
      runtime,
      reason: `port ${runtime.port} is another bridge (pid ${health.pid}), not the one that wrote the file`,
    }
  }
  return { kind: 'running', runtime }
}

export interface RuntimeAnnouncement {
  /**
   * Takes the file back, if it is still ours: another bridge started since may have replaced it.
   * The bridge it replaced is named again if that one still runs.
   */
  release(): Promise<void>
}

/** Writes the file (0600, atomically) for a bridge that is listening now. */
export async function announceBridge(
  paths: BridgePaths,
  runtime: BridgeRuntime,
): Promise<RuntimeAnnouncement> {
  const replaced = await readRuntimeFile(paths).catch(() => undefined)
  await writeFileAtomic(paths.runtime, `${JSON.stringify(runtime, null, 2)}\n`, 0o600)
  // A crash or process.exit skips release(); the exit hook still removes the file (sync: nothing
  // async runs in 'exit'). A kill -9 leaves it, and readers then find the pid dead.
  const onExit = () => {
    if (isOurs(readRuntimeFileSync(paths), runtime)) rmSync(paths.runtime, { force: true })
  }
  process.once('exit', onExit)
  let released = false
  return {
    async release() {
      if (released) return
      released = true
      process.off('exit', onExit)
      if (!isOurs(await readRuntimeFile(paths).catch(() => undefined), runtime)) return
      if (
        replaced &&
        replaced.instanceId !== runtime.instanceId &&
        (await checkRuntime(replaced)).kind === 'running'
      ) {
        await writeFileAtomic(paths.runtime, `${JSON.stringify(replaced, null, 2)}\n`, 0o600)
        return
      }
      await rm(paths.runtime, { force: true })
    },
  }
}

function isOurs(current: BridgeRuntime | undefined, runtime: BridgeRuntime): boolean {
  return current?.instanceId === runtime.instanceId
}

function readRuntimeFileSync(paths: BridgePaths): BridgeRuntime | undefined {
  try {
    return parseRuntime(readFileSync(paths.runtime, 'utf8'))
  } catch {
    return undefined
  }
}

function parseRuntime(text: string): BridgeRuntime | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isRecord(raw)) return undefined
  const { instanceId, pid, host, port, url, startedAt, version } = raw
  if (typeof instanceId !== 'string' || instanceId === '') return undefined
  if (!Number.isInteger(pid) || (pid as number) <= 0) return undefined
  if (typeof host !== 'string' || host === '') return undefined
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) return undefined
  return {
    instanceId,
    pid: pid as number,
    host,
    port: port as number,
    url: typeof url === 'string' ? url : originOf(host, port as number),
    startedAt: typeof startedAt === 'string' ? startedAt : '',
    version: typeof version === 'string' ? version : '?',
  }
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists under another user. */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
