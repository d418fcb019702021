// Server and tool names come from outside (a URL, a form, an upstream's tools/list), and the
// rules are kept in objects keyed by them. Names every JavaScript object answers to
// ("__proto__", "constructor", "toString") must find nothing but their own entries: no rule may
// land on Object.prototype, where every server without its own rule would inherit it.
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resolvePaths } from '../config/paths.js'
import { assertServerName, defaultConfig, parseConfig, type ServerEntry } from '../config/schema.js'
import { ensureHome, readConfig, writeConfig } from '../config/store.js'
import { decide } from './policy.js'
import { applyRuleEdit } from './rules/rule-edits.js'
import { writeEndWindow, writeRuleEdit, writeWindow } from './rules/rule-writes.js'
import { checkReadOnly, unrecordedDefinitions } from './rules/read-only.js'
import { loadRuleEvaluator } from './rules/when-rules.js'

const NOW = Date.UTC(2026, 11, 3, 11, 0, 0)
const OBJECT_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
]
const entry = (extra: Partial<ServerEntry> = {}): ServerEntry => ({
  url: 'https://mcp.example.com/mcp',
  auth: 'none',
  ...extra,
})
const call = (tool: string) => ({ tool, arguments: {}, server: 'pay', client: 'test' })

/** What a polluted Object.prototype would hand every server entry. */
const inherited = () => {
  const plain: Record<string, unknown> = {}
  return {
    policy: plain.policy,
    readOnly: plain.readOnly,
    tools: plain.tools,
    whenRules: plain.whenRules,
    windows: plain.windows,
  }
}
const untouched = {
  policy: undefined,
  readOnly: undefined,
  tools: undefined,
  whenRules: undefined,
  windows: undefined,
}

afterEach(() => {
  // Keeps one failure from spreading to every later test of the run.
  for (const key of ['policy', 'readOnly', 'tools', 'whenRules', 'windows'])
    delete (Object.prototype as Record<string, unknown>)[key]
})

describe('server names JavaScript objects answer to', () => {
  it('are refused by add and every command that takes a server, with what to do instead', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      expect(() => assertServerName(name)).toThrow(
        `"${name}" cannot name a server: "__proto__", "constructor", "prototype" are reserved words of JavaScript objects.`,
      )
    }
    for (const name of ['proto', 'my-prototype', 'constructors'])
      expect(() => assertServerName(name)).not.toThrow()
  })

  it('are refused in config.json, naming the server', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      expect(() =>
        parseConfig(
          `{"servers":{"${name}":{"url":"https://x.example","policy":"allow"}}}`,
          'config.json',
        ),
      ).toThrow(`config.json is not a valid configuration: server name "${name}" is not valid`)
    }
    expect(inherited()).toEqual(untouched)
  })

  it('find no server in a parsed config', () => {
    const config = parseConfig('{"servers":{"pay":{"url":"https://x.example"}}}', 'config.json')
    for (const name of OBJECT_NAMES) expect(config.servers[name]).toBeUndefined()
  })

  it('find no server to write a rule to: refused, config.json byte for byte as it was, Object.prototype untouched', async () => {
    const paths = resolvePaths({
      MCP_OAUTH_BRIDGE_HOME: await mkdtemp(join(tmpdir(), 'reserved-names-')),
    })
    await ensureHome(paths)
    await writeConfig(paths, { ...defaultConfig(), servers: { pay: entry() } })
    const before = await readFile(paths.config, 'utf8')
    for (const name of ['__proto__', 'constructor', 'toString']) {
      expect(await writeRuleEdit(paths, name, { kind: 'server-rule', policy: 'allow' })).toEqual({
        ok: false,
        problem: { message: `There is no server named "${name}" any more.` },
      })
      expect(await writeRuleEdit(paths, name, { kind: 'read-only', on: true })).toMatchObject({
        ok: false,
      })
      expect(
        await writeRuleEdit(paths, name, {
          kind: 'tool-rule',
          tool: 'send_money',
          policy: 'allow',
        }),
      ).toMatchObject({ ok: false })
      await writeWindow(paths, name, 'send_money', { name: 'send_money' }, 3600)
      expect((await writeEndWindow(paths, name, 'send_money')).wasOpen).toBe(false)
    }
    expect(inherited()).toEqual(untouched)
    expect(await readFile(paths.config, 'utf8')).toBe(before)
    expect(
      decide((await readConfig(paths)).servers.pay as ServerEntry, call('send_money')).policy,
    ).toBe('ask')
  })
})

describe('tool names JavaScript objects answer to', () => {
  it('find no rule where the server has rules for other tools', async () => {
    await loadRuleEvaluator()
    const server = entry({
      tools: { other: 'allow' },
      whenRules: { other: [{ when: 'args.amount <= 20', policy: 'allow' }] },
      windows: { other: { until: new Date(NOW + 3_600_000).toISOString() } },
      readOnly: { policy: 'allow', definitions: { other: 'fingerprint' } },
    })
    for (const tool of OBJECT_NAMES) {
      const verdict = decide(
        server,
        call(tool),
        { name: tool, annotations: { readOnlyHint: true } },
        NOW,
      )
      expect(verdict).toMatchObject({ policy: 'ask', rule: 'default' })
      expect(verdict.steps.map((step) => step.rule)).toEqual([
        'tool rule',
        'read-only allow',
        'default',
      ])
      expect(decide({ ...server, policy: 'deny' }, tool, undefined, NOW).policy).toBe('deny')
    }
  })

  it('are ordinary tools for the rule edits: their rules are their own entries and decide only them', async () => {
    await loadRuleEvaluator()
    for (const tool of OBJECT_NAMES) {
      const server = entry({ tools: {}, whenRules: {}, windows: {} })
      expect(
        applyRuleEdit(
          server,
          { kind: 'add-when', tool, policy: 'deny', when: 'args.amount > 100' },
          NOW,
        ),
      ).toMatchObject({ ok: true, number: 1 })
      expect(
        applyRuleEdit(server, { kind: 'tool-rule', tool, policy: 'allow' }, NOW),
      ).toMatchObject({
        ok: true,
        summary: `Calls to ${tool} are now allow. Its argument rules still come first.`,
      })
      expect(
        Object.hasOwn(server.tools ?? {}, tool) && Object.hasOwn(server.whenRules ?? {}, tool),
      ).toBe(true)
      expect(
        decide(server, { ...call(tool), arguments: { amount: 5 } }, undefined, NOW),
      ).toMatchObject({ policy: 'allow', rule: 'tool rule' })
      expect(
        decide(server, { ...call(tool), arguments: { amount: 500 } }, undefined, NOW).policy,
      ).toBe('deny')
      expect(decide(server, call('send_money'), undefined, NOW).policy).toBe('ask')
      expect(
        applyRuleEdit(
          server,
          { kind: 'remove-when', tool, number: 1, when: 'args.amount > 100' },
          NOW,
        ),
      ).toMatchObject({ ok: true })
      expect(server.whenRules).toBeUndefined()
      expect(inherited()).toEqual(untouched)
    }
  })

  it('keep their rules through config.json, and a tool named "__proto__" does not lend its rule to others', () => {
    const text =
      '{"servers":{"pay":{"url":"https://x.example","tools":{"__proto__":{"policy":"allow"},"constructor":"deny"},"readOnly":{"policy":"allow","definitions":{"__proto__":"fp"}}}}}'
    const pay = parseConfig(text, 'config.json').servers.pay as ServerEntry
    expect(decide(pay, '__proto__').policy).toBe('allow')
    expect(decide(pay, 'constructor').policy).toBe('deny')
    // Stored as the prototype of the tools, { policy: 'allow' } would give a tool named "policy" its rule.
    expect(decide(pay, 'policy').policy).toBe('ask')
    expect(JSON.parse(JSON.stringify(pay)).tools).toEqual(
      JSON.parse('{"__proto__":{"policy":"allow"},"constructor":"deny"}'),
    )
    expect(Object.keys(pay.readOnly?.definitions ?? {})).toEqual(['__proto__'])
  })

  it('are recorded for read-only as first seen, like any other tool', () => {
    const server = entry({ readOnly: { policy: 'allow', definitions: {} } })
    const listed = OBJECT_NAMES.map((name) => ({ name, annotations: { readOnlyHint: true } }))
    const fresh = unrecordedDefinitions(server, listed)
    expect(Object.keys(fresh).sort()).toEqual([...OBJECT_NAMES].sort())
    server.readOnly = { policy: 'allow', definitions: { ...fresh } }
    for (const definition of listed)
      expect(checkReadOnly(server, definition.name, definition)).toEqual({ qualifies: true })
    expect(Object.keys(unrecordedDefinitions(server, listed))).toEqual([])
  })
})
