// `approvals watch` against a real bridge and upstream, with a real SDK client making the calls:
// answers typed on a pipe decide them in arrival order, a call settled elsewhere or withdrawn
// leaves the question, hostile text is escaped, --json prints JSON lines, Ctrl-C leaves calls
// waiting, and the bridge stopping ends the watch with status 1.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PendingCall } from '../../src/approvals/queue.js'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import {
  cliEnv,
  makeHome,
  runCli,
  spawnCli,
  startBridgeProcess,
  waitForBridgeConfig,
  type InteractiveCli,
  type RunningCli,
} from './cli-process.js'
import { decide, pending, waitForPending } from './approvals-api.js'

type ToolResult = { isError?: boolean; content: Array<{ text: string }> }

/** Text that would steer a terminal: clear screen, window title, bell, 8-bit CSI, a bidi override, CR, NUL, DEL. */
const HOSTILE =
  'clear\u001b[2J\u001b]0;owned\u0007 red\u009b31m rev\u202egnp.exe over\rwrite nul\u0000 del\u007f'
const STEERING = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

/** Output after the `count`th question, so a pattern matches what came for that call only. */
function afterQuestion(watch: InteractiveCli, count: number): string {
  return watch
    .output()
    .split(/^Approve .*$/m)
    .slice(count)
    .join('')
}

async function startWatch(env: NodeJS.ProcessEnv, args: string[] = []): Promise<InteractiveCli> {
  const watch = spawnCli(['approvals', 'watch', ...args], env)
  await watch.waitFor(/Watching held calls on port \d+/)
  return watch
}

describe('approvals watch', () => {
  let fixture: OAuthFixture
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  let client: Client

  beforeAll(async () => {
    fixture = await startOAuthFixture({ requireAuth: false })
    env = cliEnv(await makeHome())
    expect((await runCli(['add', 'up', fixture.mcpUrl], env)).code).toBe(0)
    bridge = await startBridgeProcess(env)
    client = new Client({ name: 'watch-e2e', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/up`)))
    await client.listTools() // the bridge learns the tools' definitions, so "always allow" is offered
  })
  afterAll(async () => {
    await client.close()
    await bridge.stop()
    await fixture.close()
  })

  it('asks about each held call in arrival order: y approves the first, n denies the second', async () => {
    const watch = await startWatch(env)
    try {
      const first = client.callTool({ name: 'echo', arguments: { text: 'first call' } })
      await waitForPending(bridge, 1)
      const second = client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })
      await waitForPending(bridge, 2)

      await watch.waitFor(
        /Approve echo on up\?.*\[y\] approve {2}\[n\] deny {2}\[a\] always allow this tool/,
      )
      const shown = watch.output()
      expect(shown).toMatch(/^up › echo$/m)
      expect(shown).toMatch(/from watch-e2e · waiting \d+ s · call [0-9a-f]{18}/)
      expect(shown).toMatch(/^ {4}\{\n {6}"text": "first call"\n {4}\}$/m) // pretty JSON, as the page shows it
      const description = (await client.listTools()).tools.find(
        (tool) => tool.name === 'echo',
      )?.description
      expect(description).toBeTruthy()
      expect(shown).toContain(`  ${description}`)

      watch.type('y')
      expect(((await first) as ToolResult).content[0]?.text).toBe('first call')
      await watch.waitFor(/✔ Approved echo on up\./)

      await watch.waitFor(/Approve add on up\?/)
      expect(afterQuestion(watch, 1)).toMatch(/up › add[\s\S]*\n {6}"a": 2,\n {6}"b": 3\n/)
      watch.type('n')
      const denied = (await second) as ToolResult
      expect(denied.isError).toBe(true)
      expect(denied.content[0]?.text).toMatch(/denied by the user \(from the terminal\)/)
      await watch.waitFor(/✔ Denied add on up\./)
      expect(await pending(bridge)).toEqual([])
    } finally {
      watch.kill()
    }
  })

  it('drops a call decided on the approvals API, or cancelled by its client, while it is being asked', async () => {
    const watch = await startWatch(env)
    try {
      const call = client.callTool({ name: 'echo', arguments: { text: 'decided elsewhere' } })
      const [held] = await waitForPending(bridge, 1)
      await watch.waitFor(/"decided elsewhere"[\s\S]*Approve echo on up\?/)
      expect(await decide(bridge, held!.id, 'approve')).toBe(200)
      expect(((await call) as ToolResult).content[0]?.text).toBe('decided elsewhere')
      await watch.waitFor(/— echo on up is no longer waiting: approved from another terminal\./)

      const abort = new AbortController()
      const cancelled = client
        .callTool({ name: 'echo', arguments: { text: 'cancelled by client' } }, undefined, {
          signal: abort.signal,
        })
        .catch(() => 'aborted')
      await watch.waitFor(/"cancelled by client"[\s\S]*Approve echo on up\?/)
      abort.abort()
      expect(await cancelled).toBe('aborted')
      await watch.waitFor(/— echo on up is no longer waiting: withdrawn: the client cancelled it\./)

      // An answer typed after the call left goes to no call.
      watch.type('y')
      await watch.waitFor(/Ignored "y": no call is being asked right now\./)
    } finally {
      watch.kill()
    }
  })

  it('prints hostile arguments and client names escaped, so they cannot steer the terminal', async () => {
    const hostile = new Client({ name: `evil\u001b[31m\nfake line`, version: '1.0.0' })
    await hostile.connect(new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/up`)))
    const watch = await startWatch(env)
    try {
      const call = hostile.callTool({ name: 'echo', arguments: { text: HOSTILE } })
      await watch.waitFor(/Approve echo on up\?/)
      const shown = watch.output()
      expect(shown).not.toMatch(STEERING)
      expect(shown).toContain('from evil\\u001b[31m\\nfake line · waiting')
      expect(shown).toContain(
        '"text": "clear\\u001b[2J\\u001b]0;owned\\u0007 red\\u009b31m rev\\u202egnp.exe over\\rwrite nul\\u0000 del\\u007f"',
      )
      watch.type('n')
      expect(((await call) as ToolResult).isError).toBe(true)
      await watch.waitFor(/✔ Denied echo on up\./)
    } finally {
      watch.kill()
      await hostile.close()
    }
  })

  it('--json prints each held call as a JSON line without asking, and Ctrl-C ends it leaving the calls waiting', async () => {
    const early = client.callTool({ name: 'echo', arguments: { text: HOSTILE } })
    await waitForPending(bridge, 1)
    const watch = await startWatch(env, ['--json'])
    try {
      const late = client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })
      await watch.waitFor(/"tool":"add"[^\n]*\n/)
      const lines = watch
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
      expect(lines).toHaveLength(2)
      const calls = lines.map((line) => JSON.parse(line) as PendingCall)
      expect(calls.map((call) => [call.tool, call.arguments])).toEqual([
        ['echo', { text: HOSTILE }],
        ['add', { a: 1, b: 1 }],
      ])
      expect(calls[0]).toMatchObject({ server: 'up', client: 'watch-e2e', canAlwaysAllow: true })
      expect(watch.output()).not.toMatch(STEERING)
      expect(watch.output()).not.toMatch(/Approve /)

      watch.child.kill('SIGINT')
      const result = await watch.result
      expect(result.code).toBe(0)
      expect(result.stderr).toMatch(
        /Stopped watching \(interrupted\)\. Calls still waiting stay held/,
      )
      const still = await pending(bridge)
      expect(still.map((call) => call.tool)).toEqual(['echo', 'add'])
      for (const call of still) await decide(bridge, call.id, 'deny')
      expect(((await early) as ToolResult).isError).toBe(true)
      expect(((await late) as ToolResult).isError).toBe(true)
    } finally {
      watch.kill()
    }
  })

  it('Ctrl-C while asking exits 0 and the call stays pending', async () => {
    const watch = await startWatch(env)
    const call = client.callTool({ name: 'echo', arguments: { text: 'left waiting' } })
    try {
      await watch.waitFor(/"left waiting"[\s\S]*Approve echo on up\?/)
      watch.child.kill('SIGINT')
      const result = await watch.result
      expect(result.code).toBe(0)
      expect(result.stderr).toMatch(/Stopped watching \(interrupted\)/)
      const [held] = await pending(bridge)
      expect(held).toMatchObject({ tool: 'echo', arguments: { text: 'left waiting' } })
      await decide(bridge, held!.id, 'approve')
      expect(((await call) as ToolResult).content[0]?.text).toBe('left waiting')
    } finally {
      watch.kill()
    }
  })

  it('h allows the tool for an hour: the next call runs unasked until the window is ended', async () => {
    const watch = await startWatch(env)
    try {
      const first = client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })
      await watch.waitFor(/Approve add on up\?.*\[h\] allow for 1 hour/)
      watch.type('h')
      expect(((await first) as ToolResult).isError).toBeFalsy()
      await watch.waitFor(/✔ Approved add on up; it runs without asking for the next hour/)
      // Within the window: answered without a card.
      expect(
        ((await client.callTool({ name: 'add', arguments: { a: 2, b: 2 } })) as ToolResult).isError,
      ).toBeFalsy()
      expect(await pending(bridge)).toEqual([])
      expect((await runCli(['policy', 'up'], env)).stdout).toMatch(/add[\s\S]*until/)
    } finally {
      watch.kill()
      expect((await runCli(['policy', 'up', 'add', 'end-window'], env)).code).toBe(0)
      await waitForBridgeConfig(bridge, env)
    }
    // Ended: the tool asks again.
    const again = client.callTool({ name: 'add', arguments: { a: 3, b: 3 } })
    const [held] = await waitForPending(bridge, 1)
    expect(held).toMatchObject({ tool: 'add' })
    await decide(bridge, held!.id, 'approve')
    await again
  })
})

describe('approvals watch when the bridge stops', () => {
  it('drops the call being asked, says the bridge stopped, and exits 1', async () => {
    const fixture = await startOAuthFixture({ requireAuth: false })
    const env = cliEnv(await makeHome())
    expect((await runCli(['add', 'up', fixture.mcpUrl], env)).code).toBe(0)
    const bridge = await startBridgeProcess(env)
    const client = new Client({ name: 'watch-stop', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/up`)))
    const watch = await startWatch(env)
    try {
      const call = client.callTool({ name: 'echo', arguments: { text: 'never decided' } })
      await watch.waitFor(/Approve echo on up\?/)
      expect(watch.output()).toMatch(
        /\(No "always allow": the bridge has not seen this tool's definition/,
      )
      expect(watch.output()).not.toMatch(/\[a\] always allow/)
      await bridge.stop()
      const result = await watch.result
      expect(result.code).toBe(1)
      expect(result.stdout).toMatch(
        /— echo on up is no longer waiting: denied: the bridge stopped\./,
      )
      expect(result.stderr).toMatch(/✖ The bridge on port \d+ stopped; stopped watching\./)
      expect(((await call) as ToolResult).content[0]?.text).toMatch(
        /the bridge stopped before anyone decided/,
      )
    } finally {
      watch.kill()
      await client.close().catch(() => undefined)
      await fixture.close()
    }
  })
})
