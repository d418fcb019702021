// The policy rules end to end: plain rules, argument rules (CEL), time windows and read-only
// tools, set with the real CLI, applied by a running bridge between real SDK clients of both MCP
// eras and a real upstream; what reaches the upstream and what the client sees for each, every
// rule type with a client of each era. Bad rules leave config.json byte for byte as it was.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PendingCall } from '../../src/approvals/queue.js'
import type { BridgeConfig } from '../../src/config/schema.js'
import { startRulesMcpServer, type RulesMcpServer } from '../fixtures/rules-mcp-server.js'
import {
  cliEnv,
  makeHome,
  runCli,
  startBridgeProcess,
  waitForBridgeConfig,
  type RunningCli,
} from './cli-process.js'

type ToolResult = { isError?: boolean; content: Array<{ text: string }> }
type AnyClient = {
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>
}

async function pending(bridge: RunningCli): Promise<PendingCall[]> {
  return (
    (await (await fetch(`${bridge.url}/approvals/api/pending`)).json()) as {
      pending: PendingCall[]
    }
  ).pending
}

async function waitForPending(bridge: RunningCli, tool: string): Promise<PendingCall> {
  for (;;) {
    const held = (await pending(bridge)).find((call) => call.tool === tool)
    if (held) return held
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function decide(bridge: RunningCli, id: string, decision: 'approve' | 'deny'): Promise<void> {
  const response = await fetch(`${bridge.url}/approvals/api/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, decision }),
  })
  expect(response.status).toBe(200)
}

const text = (result: unknown) => (result as ToolResult).content[0]?.text

describe('policy rules through the bridge', () => {
  let upstream: RulesMcpServer
  let env: NodeJS.ProcessEnv
  let home: string
  let bridge: RunningCli
  let legacy: Client
  let modern: ModernClient
  const configText = () => readFile(join(home, 'config.json'), 'utf8')
  const config = async () => JSON.parse(await configText()) as BridgeConfig
  const cli = (...args: string[]) => runCli(args, env)

  beforeAll(async () => {
    upstream = await startRulesMcpServer()
    home = await makeHome()
    env = cliEnv(home)
    const add = await cli('add', 'pay', upstream.url)
    expect(add.code, add.stderr).toBe(0)
    // The README's example, as written.
    expect(
      (
        await cli(
          'policy',
          'pay',
          'send_money',
          'allow',
          '--when',
          'args.amount <= 20 && args.currency == "EUR"',
        )
      ).code,
    ).toBe(0)
    expect(
      (
        await cli(
          'policy',
          'pay',
          'send_money',
          'deny',
          '--when',
          'args.to.endsWith("@unknown.example")',
        )
      ).code,
    ).toBe(0)
    bridge = await startBridgeProcess(env)
    legacy = new Client({ name: 'legacy-e2e', version: '1.0.0' })
    await legacy.connect(new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/pay`)))
    await legacy.listTools()
    modern = new ModernClient(
      { name: 'modern-e2e', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    )
    await modern.connect(new ModernTransport(new URL(`${bridge.url}/mcp/pay`)))
    await modern.listTools()
  })
  afterAll(async () => {
    await legacy?.close()
    await modern?.close()
    await bridge?.stop()
    await upstream?.close()
  })

  it('refuses bad rules with the reason and exit 2, leaving config.json byte for byte', async () => {
    const before = await configText()
    const unknownUnit = await cli('policy', 'pay', 'send_money', 'allow', '--for', '5x')
    expect(unknownUnit.code).toBe(2)
    expect(unknownUnit.stderr).toMatch(/"5x" is not a duration/)
    expect((await cli('policy', 'pay', 'send_money', 'allow', '--for', '0s')).code).toBe(2)
    const tooLong = await cli(
      'policy',
      'pay',
      'send_money',
      'allow',
      '--when',
      `args.note == "${'x'.repeat(2100)}"`,
    )
    expect(tooLong.code).toBe(2)
    expect(tooLong.stderr).toMatch(/limit is 2048/)
    const typeError = await cli(
      'policy',
      'pay',
      'send_money',
      'allow',
      '--when',
      'args.amount <= 20 && tool + 1 == "x"',
    )
    expect(typeError.code).toBe(2)
    expect(typeError.stderr).toContain(
      'type error: no such overload: string + int (line 1, column 22)',
    )
    expect(typeError.stderr).toContain(
      '    args.amount <= 20 && tool + 1 == "x"\n                         ^',
    )
    const syntax = await cli('policy', 'pay', 'send_money', 'allow', '--when', 'args.amount <=')
    expect(syntax.code).toBe(2)
    expect(syntax.stderr).toMatch(
      /syntax error: .* \(line 1, column \d+\)\.\n {4}args\.amount <=\n {4}\s*\^/,
    )
    expect((await cli('policy', 'pay', 'send_money', '--remove-when', '9')).code).toBe(2)
    expect(await configText()).toBe(before)
    // A rule added and removed again leaves the file as it was.
    expect(
      (await cli('policy', 'pay', 'send_money', 'deny', '--when', 'args.amount > 1000000')).stderr,
    ).toContain('Argument rule #3 for "send_money" on "pay": deny when args.amount > 1000000')
    const removed = await cli('policy', 'pay', 'send_money', '--remove-when', '3')
    expect(removed.stderr).toContain(
      'Removed argument rule #3 of "send_money" on "pay": args.amount > 1000000',
    )
    expect(await configText()).toBe(before)
  })

  for (const era of ['2025-11-25', '2026-07-28'] as const) {
    it(`applies the argument rules (${era} client): allow runs, deny never reaches the upstream, an error asks`, async () => {
      const client: AnyClient = era === '2026-07-28' ? modern : legacy
      const to = `friend-${era}@ok.example`
      expect(
        text(
          await client.callTool({
            name: 'send_money',
            arguments: { amount: 15, currency: 'EUR', to },
          }),
        ),
      ).toBe(`sent 15 EUR to ${to}`)
      expect(upstream.calls).toContainEqual({
        tool: 'send_money',
        arguments: { amount: 15, currency: 'EUR', to },
      })

      const runs = upstream.calls.length
      const denied = (await client.callTool({
        name: 'send_money',
        arguments: { amount: 500, currency: 'EUR', to: 'x@unknown.example' },
      })) as ToolResult
      expect(denied.isError).toBe(true)
      expect(denied.content[0]?.text).toMatch(
        /denied by policy \(when #2 \(args\.to\.endsWith\("@unknown\.example"\)\)\)/,
      )
      expect(upstream.calls.length).toBe(runs)

      // No rule matches (and the amount is over 20): the tool's default, ask.
      const over = client.callTool({
        name: 'send_money',
        arguments: { amount: 500, currency: 'EUR', to },
      })
      await decide(bridge, (await waitForPending(bridge, 'send_money')).id, 'deny')
      expect(((await over) as ToolResult).isError).toBe(true)
      expect(upstream.calls.length).toBe(runs)
    })
  }

  it('explains which rule decides, each rule tried with its result', async () => {
    const missing = await cli(
      'policy',
      'pay',
      'explain',
      'send_money',
      '{"currency": "EUR", "to": "a@unknown.example"}',
    )
    expect(missing.code).toBe(0)
    expect(missing.stdout).toContain(
      '1. when #1 (args.amount <= 20 && args.currency == "EUR") → allow: could not be evaluated (No such key: amount): asks, never allows  ← decides ask',
    )
    expect(missing.stdout).toContain(
      'Decision: ask, by when #1 (args.amount <= 20 && args.currency == "EUR") (error).',
    )
    const small = await cli(
      'policy',
      'pay',
      'explain',
      'send_money',
      '{"amount": 5, "currency": "EUR", "to": "a@b.example"}',
    )
    expect(small.stdout).toContain('Decision: allow, by when #1')
    const other = await cli(
      'policy',
      'pay',
      'explain',
      'send_money',
      '{"amount": 50, "currency": "EUR", "to": "a@b.example"}',
    )
    expect(other.stdout).toMatch(
      /1\. .*does not match\n.*2\. .*does not match\n.*3\. tool rule: none\n.*4\. default: ask/,
    )
  })

  it('a window from `approvals approve --for 1h` lets the next calls pass unasked, bound to the definition, until it is ended', async () => {
    const first = legacy.callTool({ name: 'get_balance', arguments: {} })
    const held = await waitForPending(bridge, 'get_balance')
    const approve = await cli('approvals', 'approve', held.id, '--for', '1h')
    expect(approve.code, approve.stderr).toBe(0)
    expect(text(await first)).toBe('balance: 100 EUR')
    await expect
      .poll(
        async () =>
          (await config()).servers.pay?.windows?.get_balance?.approvedDefinition?.description,
      )
      .toBe('Reads the balance.')
    const runs = upstream.calls.length
    expect(text(await modern.callTool({ name: 'get_balance', arguments: {} }))).toBe(
      'balance: 100 EUR',
    )
    expect(text(await legacy.callTool({ name: 'get_balance', arguments: {} }))).toBe(
      'balance: 100 EUR',
    )
    expect(upstream.calls.length).toBe(runs + 2)
    expect(await pending(bridge)).toEqual([])
    const shown = await cli('policy', 'pay')
    expect(shown.stdout).toMatch(
      /get_balance\n {4}window: allow until \d\d:\d\d \(in (59 min|1 h)\)/,
    )
    expect(shown.stdout).toContain(
      'end it now with: mcp-oauth-bridge policy pay get_balance end-window',
    )

    expect((await cli('policy', 'pay', 'get_balance', 'end-window')).code).toBe(0)
    await expect.poll(async () => (await config()).servers.pay?.windows).toBeUndefined()
    await waitForBridgeConfig(bridge, env)
    for (const client of [legacy, modern] as AnyClient[]) {
      const asked = client.callTool({ name: 'get_balance', arguments: {} })
      await decide(bridge, (await waitForPending(bridge, 'get_balance')).id, 'deny')
      expect(((await asked) as ToolResult).isError).toBe(true)
    }
    expect((await cli('approvals', 'approve', 'nope', '--for', '5x')).code).toBe(2)
  })

  it('read-only allow runs tools marked readOnlyHint unasked, as first seen; a tool that gains the hint later asks', async () => {
    expect((await cli('policy', 'pay', 'read-only', 'allow')).code).toBe(0)
    // The bridge records the tools it knows once it reloads the config.
    await expect
      .poll(
        async () => Object.keys((await config()).servers.pay?.readOnly?.definitions ?? {}).sort(),
        { timeout: 5000 },
      )
      .toEqual(['delete_all', 'get_balance', 'lookup', 'send_money'])
    for (const client of [legacy, modern] as AnyClient[])
      expect(text(await client.callTool({ name: 'get_balance', arguments: {} }))).toBe(
        'balance: 100 EUR',
      )
    for (const client of [legacy, modern] as AnyClient[]) {
      const destructive = client.callTool({ name: 'delete_all', arguments: {} })
      await decide(bridge, (await waitForPending(bridge, 'delete_all')).id, 'deny')
      expect(((await destructive) as ToolResult).isError).toBe(true)
    }

    upstream.markLookupReadOnly()
    await legacy.listTools() // the bridge sees lookup's new definition, with the hint
    for (const client of [modern, legacy] as AnyClient[]) {
      const lookup = client.callTool({ name: 'lookup', arguments: { name: 'ada' } })
      const held = await waitForPending(bridge, 'lookup')
      await decide(bridge, held.id, 'approve')
      expect(text(await lookup)).toBe('found ada')
    }
    const explained = await cli('policy', 'pay')
    expect(explained.stdout).toContain('read-only tools: allow (4 tools recorded as first seen')

    expect((await cli('policy', 'pay', 'read-only', 'ask')).code).toBe(0)
    await expect.poll(async () => (await config()).servers.pay?.readOnly).toBeUndefined()
  })

  for (const era of ['2025-11-25', '2026-07-28'] as const) {
    it(`applies plain tool and server rules (${era} client): allow runs, deny never reaches the upstream, ask holds`, async () => {
      const client: AnyClient = era === '2026-07-28' ? modern : legacy
      const set = async (...words: string[]) => {
        const result = await cli('policy', 'pay', ...words)
        expect(result.code, result.stderr).toBe(0)
        await waitForBridgeConfig(bridge, env)
      }
      await set('delete_all', 'allow')
      expect(text(await client.callTool({ name: 'delete_all', arguments: {} }))).toBe('deleted')
      await set('delete_all', 'deny')
      const runs = upstream.calls.length
      const denied = (await client.callTool({ name: 'delete_all', arguments: {} })) as ToolResult
      expect(denied.isError).toBe(true)
      expect(denied.content[0]?.text).toMatch(/denied by policy \(tool rule\)/)
      expect(upstream.calls.length).toBe(runs)
      await set('delete_all', 'ask')
      const asked = client.callTool({ name: 'delete_all', arguments: {} })
      await decide(bridge, (await waitForPending(bridge, 'delete_all')).id, 'approve')
      expect(text(await asked)).toBe('deleted')

      // lookup has no rule of its own: the server's rule decides it.
      await set('allow')
      expect(text(await client.callTool({ name: 'lookup', arguments: { name: era } }))).toBe(
        `found ${era}`,
      )
      await set('deny')
      const before = upstream.calls.length
      expect(
        ((await client.callTool({ name: 'lookup', arguments: { name: era } })) as ToolResult)
          .isError,
      ).toBe(true)
      expect(upstream.calls.length).toBe(before)
      await set('ask')
      const held = client.callTool({ name: 'lookup', arguments: { name: era } })
      await decide(bridge, (await waitForPending(bridge, 'lookup')).id, 'deny')
      expect(((await held) as ToolResult).isError).toBe(true)
    })
  }

  it("clears a tool's own rule: its calls fall back to the server's rule; clearing again changes nothing", async () => {
    expect((await cli('policy', 'pay', 'deny')).code).toBe(0)
    expect((await cli('policy', 'pay', 'delete_all', 'allow')).code).toBe(0)
    const cleared = await cli('policy', 'pay', 'delete_all', 'clear')
    expect(cleared.code, cleared.stderr).toBe(0)
    expect(cleared.stderr).toContain(
      `Calls to "delete_all" on "pay" now fall back to the server's rule (deny); its own rule (allow) is cleared.`,
    )
    expect((await config()).servers.pay?.tools?.delete_all).toBeUndefined()
    await waitForBridgeConfig(bridge, env)
    const runs = upstream.calls.length
    for (const client of [legacy, modern] as AnyClient[]) {
      const denied = (await client.callTool({ name: 'delete_all', arguments: {} })) as ToolResult
      expect(denied.isError).toBe(true)
      expect(denied.content[0]?.text).toMatch(/denied by policy \(server rule\)/)
    }
    expect(upstream.calls.length).toBe(runs)
    expect((await cli('policy', 'pay')).stdout).not.toMatch(/delete_all\n {4}tool rule/)

    const before = await configText()
    const again = await cli('policy', 'pay', 'delete_all', 'clear')
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain(
      `"delete_all" on "pay" has no rule of its own; nothing changed. Its calls follow the server's rule (deny).`,
    )
    expect((await cli('policy', 'pay', 'delete_all', 'clear', '--for', '1h')).code).toBe(2)
    expect(await configText()).toBe(before)
    expect((await cli('policy', 'pay', 'ask')).code).toBe(0)
  })

  it('records which rule decided in the decision log', async () => {
    const log = await readFile(join(home, 'logs', 'decisions.jsonl'), 'utf8')
    const rules: unknown[] = log
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { rule?: string }).rule)
    expect(rules, JSON.stringify(rules)).toEqual(
      expect.arrayContaining([
        'when #1 (args.amount <= 20 && args.currency == "EUR")',
        'when #2 (args.to.endsWith("@unknown.example"))',
        'default',
        'read-only',
        expect.stringMatching(/^window until \d\d:\d\d$/),
        'tool rule',
        'server rule',
      ]),
    )
  })
})
