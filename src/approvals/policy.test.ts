import { beforeAll, describe, expect, it } from 'vitest'
import type { ServerEntry } from '../config/schema.js'
import { decide } from './policy.js'
import { definitionFingerprint, type ToolDefinition } from './tool-catalog.js'
import { readOnlyFingerprint } from './rules/read-only.js'
import { approvedDefinitionOf, setWindow } from './rules/windows.js'
import { loadRuleEvaluator } from './rules/when-rules.js'

// The bridge and the policy command load the CEL evaluator before deciding; so do these tests.
beforeAll(loadRuleEvaluator)

const entry = (fields: Partial<ServerEntry>): ServerEntry => ({
  url: 'https://x.example',
  auth: 'none',
  ...fields,
})
const call = (args: unknown, client = '') => ({
  tool: 'send_money',
  arguments: args,
  server: 'pay',
  client,
})
const sendMoney: ToolDefinition = {
  name: 'send_money',
  description: 'Sends money.',
  inputSchema: { type: 'object' },
}
const NOW = Date.parse('2026-03-03T12:00:00Z')

describe('decide: the order of the rules', () => {
  const rules = entry({
    policy: 'allow',
    tools: { send_money: 'deny' },
    whenRules: {
      send_money: [
        { when: 'args.amount <= 20 && args.currency == "EUR"', policy: 'allow' },
        { when: 'args.to.endsWith("@unknown.example")', policy: 'deny' },
        { when: 'client == "trusted"', policy: 'allow' },
      ],
    },
  })

  it('tries the when rules in order; the first match wins', () => {
    expect(
      decide(rules, call({ amount: 15, currency: 'EUR', to: 'a@unknown.example' })),
    ).toMatchObject({
      policy: 'allow',
      rule: 'when #1 (args.amount <= 20 && args.currency == "EUR")',
    })
    expect(
      decide(rules, call({ amount: 50, currency: 'EUR', to: 'a@unknown.example' })),
    ).toMatchObject({ policy: 'deny', rule: 'when #2 (args.to.endsWith("@unknown.example"))' })
    expect(
      decide(rules, call({ amount: 50, currency: 'EUR', to: 'a@b.example' }, 'trusted')).policy,
    ).toBe('allow')
  })

  it('falls through to the tool rule, then read-only, then the server rule, then ask', () => {
    const verdict = decide(rules, call({ amount: 50, currency: 'EUR', to: 'a@b.example' }))
    expect(verdict).toMatchObject({ policy: 'deny', rule: 'tool rule' })
    expect(verdict.steps.map((step) => step.result)).toEqual([
      'does not match',
      'does not match',
      'does not match',
      'deny',
    ])
    expect(decide(entry({ policy: 'allow' }), call({}))).toMatchObject({
      policy: 'allow',
      rule: 'server rule',
    })
    expect(decide(entry({}), call({}))).toMatchObject({ policy: 'ask', rule: 'default' })
  })

  it('asks, never allows, when a rule cannot be evaluated: a missing field or a wrong type', () => {
    const missing = decide(rules, call({ currency: 'EUR' }))
    expect(missing).toMatchObject({
      policy: 'ask',
      rule: expect.stringMatching(/^when #1 .*\(error\)$/),
    })
    expect(missing.steps[0]?.result).toMatch(
      /could not be evaluated \(No such key: amount\): asks, never allows/,
    )
    expect(decide(rules, call({ amount: '5', currency: 'EUR' })).policy).toBe('ask')
    // Not a boolean: asks too.
    expect(
      decide(
        entry({
          policy: 'allow',
          whenRules: { send_money: [{ when: 'args.flag', policy: 'allow' }] },
        }),
        call({ flag: 'yes' }),
      ).policy,
    ).toBe('ask')
  })

  it('asks for a rule that does not compile (hand-edited config.json)', () => {
    const verdict = decide(
      entry({
        policy: 'allow',
        whenRules: { send_money: [{ when: 'args.amount <=', policy: 'allow' }] },
      }),
      call({ amount: 1 }),
    )
    expect(verdict).toMatchObject({ policy: 'ask', rule: expect.stringMatching(/\(broken\)$/) })
  })

  it('never lets a when rule hide a tool from tools/list (a bare name skips them)', () => {
    const denyAll = entry({ whenRules: { send_money: [{ when: 'true', policy: 'deny' }] } })
    expect(decide(denyAll, 'send_money').policy).toBe('ask')
    expect(decide(denyAll, call({})).policy).toBe('deny')
  })

  it('compiles each expression once per loaded config', () => {
    const loaded = entry({
      whenRules: { send_money: [{ when: 'args.amount <= 20', policy: 'allow' }] },
    })
    const first = decide(loaded, call({ amount: 1 }))
    const started = performance.now()
    for (let i = 0; i < 10_000; i++) decide(loaded, call({ amount: i }))
    expect(first.policy).toBe('allow')
    expect(performance.now() - started).toBeLessThan(2000)
  })
})

describe('decide: time windows', () => {
  it('allows while open, bound to the definition seen, and is inert once ended', () => {
    const windowed = entry({ tools: { send_money: 'deny' } })
    setWindow(windowed, 'send_money', 3600, sendMoney, NOW)
    expect(decide(windowed, call({}), sendMoney, NOW + 1000)).toMatchObject({
      policy: 'allow',
      rule: expect.stringMatching(/^window until \d\d:\d\d$/),
    })
    // Ended: the plain rule is back, nothing to clean up.
    expect(decide(windowed, call({}), sendMoney, NOW + 3600_000)).toMatchObject({
      policy: 'deny',
      rule: 'tool rule',
    })
  })

  it('asks again when the tool changed since the window was opened', () => {
    const windowed = entry({ policy: 'allow' })
    setWindow(windowed, 'send_money', 3600, sendMoney, NOW)
    const widened = { ...sendMoney, description: 'Sends any amount of money.' }
    expect(decide(windowed, call({}), widened, NOW + 1000)).toMatchObject({
      policy: 'ask',
      changedSince: { description: 'Sends money.' },
    })
  })

  it('comes after the when rules and before the tool rule', () => {
    const both = entry({
      tools: { send_money: 'ask' },
      whenRules: { send_money: [{ when: 'args.amount > 100', policy: 'deny' }] },
    })
    setWindow(both, 'send_money', 60, sendMoney, NOW)
    expect(decide(both, call({ amount: 500 }), sendMoney, NOW).policy).toBe('deny')
    expect(decide(both, call({ amount: 5 }), sendMoney, NOW).policy).toBe('allow')
  })
})

describe('decide: read-only tools', () => {
  const getBalance: ToolDefinition = {
    name: 'get_balance',
    description: 'Reads.',
    inputSchema: { type: 'object' },
    annotations: { readOnlyHint: true },
  }
  const balanceCall = { tool: 'get_balance', arguments: {} }

  it('allows a tool marked readOnlyHint only as recorded when first seen', () => {
    const on = entry({
      readOnly: { policy: 'allow', definitions: { get_balance: readOnlyFingerprint(getBalance) } },
    })
    expect(decide(on, balanceCall, getBalance)).toMatchObject({
      policy: 'allow',
      rule: 'read-only',
    })
    // Not recorded yet, not known, or without the hint: asks.
    expect(
      decide(entry({ readOnly: { policy: 'allow', definitions: {} } }), balanceCall, getBalance)
        .policy,
    ).toBe('ask')
    expect(decide(on, balanceCall, undefined).policy).toBe('ask')
    expect(
      decide(on, balanceCall, { ...getBalance, annotations: { readOnlyHint: false } }).policy,
    ).toBe('ask')
  })

  it('asks again for a tool that changed, or that gained the hint after it was recorded', () => {
    const plain: ToolDefinition = {
      name: 'lookup',
      description: 'Looks up.',
      inputSchema: { type: 'object' },
    }
    const on = entry({
      readOnly: {
        policy: 'allow',
        definitions: {
          get_balance: readOnlyFingerprint(getBalance),
          lookup: readOnlyFingerprint(plain),
        },
      },
    })
    const changed = decide(on, balanceCall, {
      ...getBalance,
      inputSchema: { type: 'object', properties: { all: { type: 'boolean' } } },
    })
    expect(changed.policy).toBe('ask')
    expect(changed.steps.at(-2)?.result).toMatch(/changed since read-only was turned on/)
    expect(
      decide(
        on,
        { tool: 'lookup', arguments: {} },
        { ...plain, annotations: { readOnlyHint: true } },
      ).policy,
    ).toBe('ask')
  })

  it('comes after the tool rule and before the server rule', () => {
    const on = entry({
      policy: 'deny',
      tools: { get_balance: 'ask' },
      readOnly: { policy: 'allow', definitions: { get_balance: readOnlyFingerprint(getBalance) } },
    })
    expect(decide(on, balanceCall, getBalance).policy).toBe('ask')
    delete on.tools
    expect(decide(on, balanceCall, getBalance).policy).toBe('allow')
  })
})

describe('decide: always allow still bound', () => {
  it('asks again when the definition changed', () => {
    const always = entry({
      tools: {
        send_money: { policy: 'allow', approvedDefinition: approvedDefinitionOf(sendMoney) },
      },
    })
    expect(decide(always, call({}), sendMoney).policy).toBe('allow')
    expect(definitionFingerprint(sendMoney)).toBe(approvedDefinitionOf(sendMoney).fingerprint)
    expect(decide(always, call({}), { ...sendMoney, description: 'x' })).toMatchObject({
      policy: 'ask',
      rule: 'tool rule (tool changed)',
    })
  })
})
