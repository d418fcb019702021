// The dashboard's rule forms read into changes, from plain form values: which change each form
// asks for, and what it refuses before anything is written.
import { describe, expect, it } from 'vitest'
import { defaultConfig, type ServerEntry } from '../../config/schema.js'
import type { RuleEdit } from '../../approvals/rules/rule-edits.js'
import { readRuleForm, ruleTools, submitRuleForm, typedRule } from './rule-forms.js'

const TOOLS = ['get_balance', 'send_money']
const read = (fields: Record<string, string>) =>
  readRuleForm(new URLSearchParams(fields), 'pay', TOOLS)

describe('readRuleForm', () => {
  it('reads the add form as an argument rule, a tool rule or the server rule', () => {
    expect(
      read({ change: 'add', tool: 'send_money', policy: 'allow', when: 'args.amount <= 20' }),
    ).toEqual({
      ok: true,
      edit: { kind: 'add-when', tool: 'send_money', policy: 'allow', when: 'args.amount <= 20' },
    })
    expect(read({ change: 'add', tool: 'send_money', policy: 'deny', when: '  ' })).toEqual({
      ok: true,
      edit: { kind: 'tool-rule', tool: 'send_money', policy: 'deny' },
    })
    expect(read({ change: 'add', tool: '*', policy: 'ask', when: '' })).toEqual({
      ok: true,
      edit: { kind: 'server-rule', policy: 'ask' },
    })
  })

  it("keeps a textarea's lines with LF, so an error's column counts what the person sees", () => {
    expect(
      read({
        change: 'add',
        tool: 'send_money',
        policy: 'allow',
        when: 'args.amount <= 20 &&\r\nargs.currency == "EUR"',
      }),
    ).toEqual({
      ok: true,
      edit: {
        kind: 'add-when',
        tool: 'send_money',
        policy: 'allow',
        when: 'args.amount <= 20 &&\nargs.currency == "EUR"',
      },
    })
  })

  it('reads the change forms: a plain rule, removing an argument rule, read-only on and off', () => {
    expect(read({ change: 'set', tool: 'get_balance', policy: 'deny' })).toEqual({
      ok: true,
      edit: { kind: 'tool-rule', tool: 'get_balance', policy: 'deny' },
    })
    expect(read({ change: 'set', tool: '*', policy: 'allow' })).toEqual({
      ok: true,
      edit: { kind: 'server-rule', policy: 'allow' },
    })
    // A `when` on the change form is not an argument rule: that form has none.
    expect(read({ change: 'set', tool: 'get_balance', policy: 'allow', when: 'true' })).toEqual({
      ok: true,
      edit: { kind: 'tool-rule', tool: 'get_balance', policy: 'allow' },
    })
    expect(
      read({ change: 'remove-when', tool: 'send_money', number: '2', when: 'args.to == "x"' }),
    ).toEqual({
      ok: true,
      edit: { kind: 'remove-when', tool: 'send_money', number: 2, when: 'args.to == "x"' },
    })
    expect(read({ change: 'read-only', 'read-only': 'allow' })).toEqual({
      ok: true,
      edit: { kind: 'read-only', on: true },
    })
    expect(read({ change: 'read-only', 'read-only': 'ask' })).toEqual({
      ok: true,
      edit: { kind: 'read-only', on: false },
    })
  })

  it('refuses what no form of the page sends, saying why', () => {
    const problem = (fields: Record<string, string>) => {
      const reading = read(fields)
      return reading.ok ? 'accepted' : reading.problem.message
    }
    expect(problem({ change: 'add', tool: 'send_money', policy: 'maybe' })).toBe(
      'The policy must be allow, ask or deny, not "maybe".',
    )
    expect(problem({ change: 'add', tool: 'wire_money', policy: 'allow', when: 'true' })).toBe(
      'The bridge has not seen pay list a tool named "wire_money". Tools appear here once a client has listed them through the bridge.',
    )
    expect(problem({ change: 'add', tool: '', policy: 'allow' })).toBe(
      'Choose a tool, or "all tools of the server".',
    )
    expect(problem({ change: 'add', tool: '*', policy: 'allow', when: 'args.amount < 5' })).toMatch(
      /^An argument rule belongs to one tool/,
    )
    expect(problem({ change: 'remove-when', tool: 'send_money', number: '0', when: 'x' })).toBe(
      'That is not an argument rule of this page.',
    )
    expect(problem({ change: 'remove-when', tool: 'send_money', number: 'one', when: 'x' })).toBe(
      'That is not an argument rule of this page.',
    )
    expect(problem({ change: 'read-only', 'read-only': 'deny' })).toBe(
      'Read-only tools are allow (run without asking) or ask, not "deny".',
    )
    expect(problem({ change: 'drop-table' })).toBe("That is not one of the dashboard's rule forms.")
  })
})

describe('ruleTools', () => {
  it('offers the tools seen listed and those config.json already has rules for, once each, sorted', () => {
    const entry: ServerEntry = {
      url: 'https://mcp.example.com/mcp',
      auth: 'none',
      tools: { refund: 'deny', send_money: 'ask' },
      whenRules: { transfer: [{ when: 'true', policy: 'allow' }] },
      windows: { export_all: { until: '2026-12-03T12:00:00.000Z' } },
    }
    expect(ruleTools(entry, ['send_money', 'get_balance'])).toEqual([
      'export_all',
      'get_balance',
      'refund',
      'send_money',
      'transfer',
    ])
  })
})

describe('submitRuleForm', () => {
  const entry: ServerEntry = { url: 'https://mcp.example.com/mcp', auth: 'none' }

  it('writes what the form asks for and reports nothing when it was written', async () => {
    const written: Array<[string, RuleEdit]> = []
    const options = {
      tools: () => TOOLS,
      write: async (server: string, edit: RuleEdit) => (
        written.push([server, edit]),
        { ok: true as const, config: defaultConfig(), summary: '' }
      ),
    }
    expect(
      await submitRuleForm(
        options,
        entry,
        'pay',
        new URLSearchParams({ change: 'set', tool: 'send_money', policy: 'deny' }),
      ),
    ).toBeUndefined()
    expect(written).toEqual([['pay', { kind: 'tool-rule', tool: 'send_money', policy: 'deny' }]])
  })

  it('gives back the problem and what was typed, writing nothing, when the form or the write refuses', async () => {
    const written: RuleEdit[] = []
    const options = {
      tools: () => TOOLS,
      write: async (_server: string, edit: RuleEdit) => (
        written.push(edit),
        {
          ok: false as const,
          problem: {
            message: 'syntax error: Unexpected end of input',
            line: 1,
            column: 15,
            pointer: 'args.amount <=\n              ^',
          },
        }
      ),
    }
    const typed = { change: 'add', tool: 'wire_money', policy: 'allow', when: 'args.amount <= 20' }
    expect(await submitRuleForm(options, entry, 'pay', new URLSearchParams(typed))).toEqual({
      server: 'pay',
      problem: {
        message:
          'The bridge has not seen pay list a tool named "wire_money". Tools appear here once a client has listed them through the bridge.',
      },
      typed: { tool: 'wire_money', policy: 'allow', when: 'args.amount <= 20' },
    })
    expect(written).toEqual([])
    const notice = await submitRuleForm(
      options,
      entry,
      'pay',
      new URLSearchParams({ ...typed, tool: 'send_money', when: 'args.amount <=' }),
    )
    expect(notice?.problem).toEqual({
      message: 'syntax error: Unexpected end of input',
      line: 1,
      column: 15,
      pointer: 'args.amount <=\n              ^',
    })
    expect(notice?.typed).toEqual({ tool: 'send_money', policy: 'allow', when: 'args.amount <=' })
    expect(
      await submitRuleForm(options, undefined, 'gone', new URLSearchParams(typed)),
    ).toMatchObject({ server: 'gone', problem: { message: 'There is no server named "gone".' } })
  })

  it('keeps typed values only for the add form', () => {
    expect(
      typedRule(new URLSearchParams({ change: 'add', tool: 't', policy: 'ask', when: 'w' })),
    ).toEqual({ tool: 't', policy: 'ask', when: 'w' })
    expect(
      typedRule(new URLSearchParams({ change: 'set', tool: 't', policy: 'ask' })),
    ).toBeUndefined()
  })
})
