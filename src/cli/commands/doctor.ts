// `doctor [--json]`: checks the setup and says, for each problem, what to do about it.
import { createServer } from 'node:net'
import { readConfig } from '../../config/store.js'
import type { BridgeConfig } from '../../config/schema.js'
import { DEMO_SERVER_NAME, isEarlierDemoUrl } from '../../demo/demo-entry.js'
import { BridgeError } from '../../errors.js'
import { discoverAuthorization } from '../../oauth/discovery.js'
import { createGuardedFetch } from '../../oauth/http.js'
import { probeServer } from '../../oauth/probe.js'
import { describeServer } from '../../tokens/status.js'
import type { ServerSecrets } from '../../tokens/store.js'
import { locateBridge, probeBridge, type BridgeLocation } from '../bridge-client.js'
import { command, commandLine } from '../commands-named.js'
import type { CliContext } from '../context.js'
import { checkKey } from './doctor-key.js'
import { failure, modeCheck, modeOf, type Check } from './doctor-checks.js'

const MIN_NODE = [20, 19, 0]

export async function doctorCommand(
  ctx: CliContext,
  options: { json?: boolean; port?: number },
): Promise<void> {
  const checks = await runChecks(ctx, options.port === undefined ? {} : { port: options.port })
  if (options.json) {
    ctx.out.result(JSON.stringify(checks, null, 2))
  } else {
    for (const check of checks) {
      const mark = check.status === 'ok' ? '✔' : check.status === 'warn' ? '!' : '✖'
      ctx.out.result(`${mark} ${check.check}: ${check.detail}`)
      if (check.fix) ctx.out.result(`    → ${check.fix}`)
    }
  }
  const failed = checks.filter((check) => check.status === 'fail').length
  if (failed > 0) {
    throw new BridgeError(
      'CONFIG_INVALID',
      `${failed} check${failed === 1 ? '' : 's'} failed; see the fixes above.`,
    )
  }
}

/** `port`: check the bridge there (--port) instead of the one the runtime file names. */
export async function runChecks(
  ctx: CliContext,
  options: { port?: number } = {},
): Promise<Check[]> {
  const checks: Check[] = [checkNode()]
  const { paths } = ctx
  const home = await modeOf(paths.home)
  if (home === undefined) {
    checks.push({
      check: 'home folder',
      status: 'fail',
      detail: `${paths.home} does not exist`,
      fix: 'Run `mcp-oauth-bridge init`.',
    })
    return checks
  }
  checks.push(modeCheck('home folder', paths.home, home, 0o700))

  let config: BridgeConfig
  try {
    config = await readConfig(paths)
    checks.push({
      check: 'config.json',
      status: 'ok',
      detail: `${Object.keys(config.servers).length} server(s), port ${config.port}`,
    })
    const mode = await modeOf(paths.config)
    if (mode !== undefined) checks.push(modeCheck('config.json mode', paths.config, mode, 0o600))
  } catch (error) {
    checks.push(failure('config.json', error))
    return checks
  }

  const store = ctx.store
  let secrets: Record<string, ServerSecrets> = {}
  const tokensMode = await modeOf(paths.tokens)
  const key = await checkKey(paths)
  checks.push(...key.checks)
  if (key.usable) {
    try {
      secrets = await store.all()
      checks.push({
        check: 'token store',
        status: 'ok',
        detail:
          tokensMode === undefined
            ? 'empty (no logins yet)'
            : `opens with the key from ${key.where} (${Object.keys(secrets).length} server(s))`,
      })
      if (tokensMode !== undefined)
        checks.push(modeCheck('token store mode', paths.tokens, tokensMode, 0o600))
    } catch (error) {
      checks.push(failure('token store', error))
    }
  }

  const { check: bridgeCheck, running: bridgeRunning } = await checkBridge(
    await locateBridge(paths, { config, ...options }),
  )
  checks.push(bridgeCheck)

  const now = Date.now()
  await Promise.all(
    Object.entries(config.servers).map(async ([name, entry]) => {
      const prefix = `server ${name}`
      const status = describeServer(name, entry, secrets[name], now)
      const tokenCheck: Check =
        status.state === 'ready' ||
        status.state === 'open' ||
        (status.state === 'expired' && status.detail.includes('renewed'))
          ? { check: `${prefix} token`, status: 'ok', detail: status.detail }
          : {
              check: `${prefix} token`,
              status: 'fail',
              detail: status.detail,
              fix: `Run \`mcp-oauth-bridge login ${name}\`.`,
            }
      const reach = await checkServer(name, entry.url, secrets[name]?.headers)
      const callback =
        entry.auth === 'oauth' && entry.callbackPort !== undefined && !bridgeRunning
          ? await checkCallbackPort(name, entry.callbackPort)
          : undefined
      checks.push(reach, tokenCheck, ...(callback ? [callback] : []))
    }),
  )
  return checks
}

/** Which bridge answers: the running one the runtime file names, or what holds the --port or configured port. */
async function checkBridge(location: BridgeLocation): Promise<{ check: Check; running: boolean }> {
  if (location.source === 'runtime') {
    const { runtime } = location
    return {
      running: true,
      check: {
        check: 'bridge',
        status: 'ok',
        detail: `running on port ${runtime.port} (pid ${runtime.pid}, version ${runtime.version}${runtime.startedAt ? `, since ${runtime.startedAt}` : ''})`,
      },
    }
  }
  const stale = location.stale ? `; ignored a stale runtime file (${location.stale.reason})` : ''
  const probe = await probeBridge(location.host, location.port)
  if (probe.kind === 'running') {
    return {
      running: true,
      check: {
        check: 'bridge',
        status: 'ok',
        detail: `running on port ${location.port} (pid ${probe.pid}, version ${probe.version}${location.source === 'config' ? ", found at config.json's port, not through the runtime file" : ''})`,
      },
    }
  }
  if (probe.kind === 'free') {
    return {
      running: false,
      check:
        location.source === 'flag'
          ? {
              check: 'bridge',
              status: 'warn',
              detail: `none runs on port ${location.port}`,
              fix: 'Leave --port out to find the running bridge, or start one with `mcp-oauth-bridge start --port <port>`.',
            }
          : {
              check: 'bridge',
              status: 'warn',
              detail: `none runs (port ${location.port} from config.json is free${stale})`,
              fix: 'Start it with `mcp-oauth-bridge start`.',
            },
    }
  }
  return {
    running: false,
    check: {
      check: 'bridge',
      status: 'fail',
      detail: `port ${location.port} is taken: ${probe.detail}${stale}`,
      fix: 'Stop that program, or set another "port" in config.json (or use `start --port`).',
    },
  }
}

function checkNode(): Check {
  const version = process.versions.node.split('.').map(Number)
  const ok =
    version[0]! > MIN_NODE[0]! ||
    (version[0] === MIN_NODE[0] &&
      (version[1]! > MIN_NODE[1]! || (version[1] === MIN_NODE[1] && version[2]! >= MIN_NODE[2]!)))
  return ok
    ? { check: 'Node.js', status: 'ok', detail: process.versions.node }
    : {
        check: 'Node.js',
        status: 'fail',
        detail: `${process.versions.node} is too old`,
        fix: `Install Node.js ${MIN_NODE.join('.')} or newer.`,
      }
}

async function checkServer(
  name: string,
  url: string,
  headers: Record<string, string> | undefined,
): Promise<Check> {
  const check = `server ${name}`
  const fetchFn = createGuardedFetch({ timeoutMs: 8_000 })
  try {
    const probe = await probeServer(new URL(url), {
      timeoutMs: 8_000,
      ...(headers ? { headers } : {}),
    })
    if (probe.kind === 'open')
      return {
        check,
        status: 'ok',
        detail: `${url} answers (HTTP ${probe.status}) without asking for a token`,
      }
    const discovery = await discoverAuthorization(new URL(url), probe.challenge, fetchFn)
    const issuer =
      discovery.authorizationServerMetadata?.issuer ??
      `${discovery.authorizationServerUrl} (default endpoints)`
    return { check, status: 'ok', detail: `${url} is reachable; authorization server ${issuer}` }
  } catch (error) {
    return {
      ...failure(check, error),
      fix: isDemoStopped(name, url, error)
        ? `This is the demo's own server, which runs only while \`${command('demo')}\` does: run it again to bring it back, or \`${commandLine.remove(DEMO_SERVER_NAME)}\` to drop it.`
        : error instanceof BridgeError && error.hint
          ? error.hint
          : 'Check the URL and your network.',
    }
  }
}

/** The entry `demo` wrote (its loopback URL), unreachable because no demo runs now. */
function isDemoStopped(name: string, url: string, error: unknown): boolean {
  return (
    name === DEMO_SERVER_NAME &&
    isEarlierDemoUrl(url) &&
    error instanceof BridgeError &&
    error.code === 'UNREACHABLE'
  )
}

function checkCallbackPort(name: string, port: number): Promise<Check> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () =>
      resolve({
        check: `server ${name} callback port`,
        status: 'warn',
        detail: `127.0.0.1:${port} is in use`,
        fix: 'A login will fail until that program lets go of it; close it, or pick another with `add --callback-port` (then register the new redirect URI where the client is pre-registered).',
      }),
    )
    server.listen(port, '127.0.0.1', () =>
      server.close(() =>
        resolve({
          check: `server ${name} callback port`,
          status: 'ok',
          detail: `127.0.0.1:${port} is free`,
        }),
      ),
    )
  })
}
