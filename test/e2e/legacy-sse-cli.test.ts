// The whole CLI path for an upstream that speaks the older HTTP+SSE transport: `add` detects it
// (open, or behind a static header), `start` serves it to a Streamable HTTP client.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, describe, expect, it } from 'vitest'
import { startLegacySseServer, type LegacySseServer } from '../fixtures/legacy-sse-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'

describe('CLI: add detects HTTP+SSE, start serves it', () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn()
  })

  it('open server and header-authenticated server', async () => {
    const open: LegacySseServer = await startLegacySseServer()
    const locked: LegacySseServer = await startLegacySseServer({ tokens: ['k1'] })
    cleanup.push(
      () => open.close(),
      () => locked.close(),
    )
    const home = await makeHome()
    const env = cliEnv(home)
    expect((await runCli(['init'], env)).code).toBe(0)
    const a = await runCli(['add', 'old', open.sseUrl, '--policy', 'allow'], env)
    expect(a.code, a.stderr).toBe(0)
    expect(a.stderr).toContain('older HTTP+SSE transport')
    const b = await runCli(
      ['add', 'keyed', locked.sseUrl, '--policy', 'allow', '--header', 'Authorization: Bearer k1'],
      env,
    )
    expect(b.code, b.stderr).toBe(0)
    const c = await runCli(
      ['add', 'forced', open.sseUrl, '--transport', 'sse', '--policy', 'allow'],
      env,
    )
    expect(c.code, c.stderr).toBe(0)
    const config = JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))
    expect(config.servers.old).toMatchObject({ transport: 'sse', auth: 'none' })
    expect(config.servers.keyed).toMatchObject({ transport: 'sse', auth: 'none' })
    expect(config.servers.forced).toMatchObject({ transport: 'sse' })
    const bridge: RunningCli = await startBridgeProcess(env)
    cleanup.push(() => bridge.stop())
    for (const name of ['old', 'keyed']) {
      const client = new Client({ name: 'e2e', version: '1' })
      await client.connect(new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/${name}`)))
      const result = await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })
      expect((result.content as Array<{ text: string }>)[0]?.text).toBe('42')
      await client.close()
    }
    expect(locked.stats.posts.every((post) => post.token === 'k1')).toBe(true)
    await bridge.stop()
  })

  it('closes the upstream stream of a server removed while a client holds a session to it', async () => {
    const upstream: LegacySseServer = await startLegacySseServer({ tokens: ['k2'] })
    cleanup.push(() => upstream.close())
    const env = cliEnv(await makeHome())
    const add = await runCli(
      ['add', 'old', upstream.sseUrl, '--policy', 'allow', '--header', 'Authorization: Bearer k2'],
      env,
    )
    expect(add.code, add.stderr).toBe(0)
    const bridge: RunningCli = await startBridgeProcess(env)
    cleanup.push(() => bridge.stop())
    const client = new Client({ name: 'e2e', version: '1' })
    cleanup.push(() => client.close())
    await client.connect(new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/old`)))
    const result = await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })
    expect((result.content as Array<{ text: string }>)[0]?.text).toBe('3')
    expect(upstream.stats.openStreams).toBe(1)
    const remove = await runCli(['remove', 'old'], env)
    expect(remove.code, remove.stderr).toBe(0)
    // The running bridge reloads config.json and lets go of the stream that carried the old token.
    await expect.poll(() => upstream.stats.openStreams, { timeout: 10_000 }).toBe(0)
  })
})
