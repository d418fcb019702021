// Runs the built command line (dist/cli.js) as a user would, in a throwaway home folder.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { once } from 'node:events'

export const ROOT = resolve(import.meta.dirname, '../..')
export const CLI = join(ROOT, 'dist/cli.js')
export const TEST_BROWSER = join(ROOT, 'test/fixtures/browser.mjs')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export async function makeHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bridge-home-'))
}

export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MCP_OAUTH_BRIDGE_HOME: home,
    BROWSER: TEST_BROWSER,
    NO_COLOR: '1',
    ...extra,
  }
}

export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  if (input !== undefined) child.stdin.end(input)
  else child.stdin.end()
  const [code] = (await once(child, 'close')) as [number]
  return { code, stdout, stderr }
}

export interface RunningCli {
  child: ChildProcess
  url: string
  output: () => string
  /** Resolves when the bridge's output from offset `since` (default: now) matches `pattern`. */
  waitForOutput(pattern: RegExp, since?: number): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts `mcp-oauth-bridge start --port 0` and resolves once it prints its address. Access
 * control is off (--no-auth) unless `auth: true`: its own tests cover it, the rest test other things.
 */
/**
 * Resolves once the running bridge serves with the config.json now on disk: a command that
 * changed it returns before the bridge's file watcher has reloaded it.
 */
export async function waitForBridgeConfig(
  bridge: Pick<RunningCli, 'url'>,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const { readConfig } = (await import(
    pathToFileURL(join(ROOT, 'dist/config/store.js')).href
  )) as typeof import('../../src/config/store.js')
  const { resolvePaths } = (await import(
    pathToFileURL(join(ROOT, 'dist/config/paths.js')).href
  )) as typeof import('../../src/config/paths.js')
  const { configStamp } = (await import(
    pathToFileURL(join(ROOT, 'dist/server/config-stamp.js')).href
  )) as typeof import('../../src/server/config-stamp.js')
  const wanted = configStamp(await readConfig(resolvePaths(env)))
  for (;;) {
    const health = (await (await fetch(`${bridge.url}/health`)).json()) as { config?: string }
    if (health.config === wanted) return
    await new Promise((resolveTick) => setTimeout(resolveTick, 10))
  }
}

export async function startBridgeProcess(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  options: { auth?: boolean } = {},
): Promise<RunningCli> {
  const access = options.auth ? [] : ['--no-auth']
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', ...access, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      // People are shown localhost (src/server/public-host.ts); tests talk to the address it listens on.
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output)
      if (match) resolveUrl(`http://127.0.0.1:${match[1]}`)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`start exited with ${code}:\n${output}`)))
  })
  return {
    child,
    url,
    output: () => output,
    waitForOutput(pattern, since) {
      const from = since ?? output.length
      return new Promise((resolveWait) => {
        const check = () => {
          if (pattern.test(output.slice(from))) {
            child.stdout?.off('data', check)
            child.stderr?.off('data', check)
            resolveWait()
          }
        }
        child.stdout?.on('data', check)
        child.stderr?.on('data', check)
        check()
      })
    },
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGINT')
      await once(child, 'exit')
    },
  }
}

export interface InteractiveCli {
  child: ChildProcess
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string
  /**
   * Resolves with the first match of `pattern` in the output (what came so far included);
   * rejects, with the output, if the process ends or `timeoutMs` passes first.
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Types a line on the command's stdin. */
  type(line: string): void
  /** Resolves when the command has exited. */
  result: Promise<CliResult>
  /** Kills the command if it is still running. */
  kill(): void
}

/** Runs a command that talks with the user while it runs (--no-browser, --device): stdin stays open. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv): InteractiveCli {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let output = ''
  const listeners = new Set<() => void>()
  const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString()
    if (stream === 'stdout') stdout += text
    else stderr += text
    output += text
    for (const listener of listeners) listener()
  }
  child.stdout.on('data', onData('stdout'))
  child.stderr.on('data', onData('stderr'))
  child.stdin.on('error', () => undefined) // the command may exit before reading what was typed
  const result = once(child, 'close').then(([code]) => ({ code: code as number, stdout, stderr }))
  let exited = false
  void result.then(() => {
    exited = true
    for (const listener of listeners) listener()
  })
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolveMatch, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`No ${pattern} within ${timeoutMs} ms in:\n${output}`)),
          timeoutMs,
        )
        const finish = (error?: Error, match?: RegExpExecArray) => {
          clearTimeout(timer)
          listeners.delete(check)
          if (match) resolveMatch(match)
          else reject(error)
        }
        const check = () => {
          const match = pattern.exec(output)
          if (match) finish(undefined, match)
          else if (exited)
            finish(new Error(`The command exited before printing ${pattern}:\n${output}`))
        }
        listeners.add(check)
        check()
      })
    },
    type(line) {
      child.stdin.write(`${line}\n`)
    },
    result,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}
