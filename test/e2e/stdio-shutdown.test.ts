// `stdio` ends its bridge session however its client lets it go: stdin closed, or SIGTERM (what
// Claude Desktop sends when it quits) or SIGINT. The bridge's request log shows the DELETE.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { CLI, type RunningCli } from './cli-process.js'
import { startBridgeFor } from './bridge-setup.js'

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'shutdown-test', version: '1' },
  },
}

describe('stdio shutdown', () => {
  let fixture: OAuthFixture
  let home: string
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  let port: string

  beforeAll(async () => {
    fixture = await startOAuthFixture()
    ;({ home, env, bridge, port } = await startBridgeFor(
      { demo: { url: fixture.mcpUrl, policy: 'allow' } },
      { auth: true },
    ))
  })
  afterAll(async () => {
    await bridge.stop()
    await fixture.close()
  })

  const deletes = async () =>
    (await readFile(join(home, 'logs', 'requests.log'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => / demo DELETE 200 /.test(line)).length

  /** Starts a relay, initializes a session through it, then lets `end` stop it; resolves with its exit. */
  const session = async (
    end: (child: ReturnType<typeof spawn>) => void,
    args = ['--port', port],
  ) => {
    const child = spawn(process.execPath, [CLI, 'stdio', 'demo', ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const initialized = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes('"protocolVersion"')) resolve()
      })
    })
    child.stdin.write(`${JSON.stringify(INITIALIZE)}\n`)
    await initialized
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`,
    )
    // ping's answer shows the notification was relayed before the relay is stopped.
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' })}\n`)
    await expect.poll(() => stdout.includes('"id":2')).toBe(true)
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
    end(child)
    const [code, signal] = await exited
    return { code, signal, stderr }
  }

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s it ends the session at the bridge and exits 0',
    async (name) => {
      const before = await deletes()
      const { code, signal, stderr } = await session((child) => child.kill(name))
      expect({ code, signal }, stderr).toEqual({ code: 0, signal: null })
      await expect.poll(deletes).toBe(before + 1)
    },
  )

  it('when stdin ends it ends the session at the bridge and exits 0', async () => {
    const before = await deletes()
    const { code, stderr } = await session((child) => child.stdin?.end())
    expect(code, stderr).toBe(0)
    await expect.poll(deletes).toBe(before + 1)
  })

  it('--standalone ends the session at the bridge in its own process, then that bridge, on SIGTERM', async () => {
    const { code, signal, stderr } = await session(
      (child) => child.kill('SIGTERM'),
      ['--standalone'],
    )
    expect({ code, signal }, stderr).toEqual({ code: 0, signal: null })
    // The bridge in the process logs each request to stderr; the DELETE is the session's end.
    expect(stderr).toMatch(/ demo DELETE 200 /)
  })
})
