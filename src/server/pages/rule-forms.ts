// The dashboard's rule forms, read: one POST to /servers/<name>/rules per change, its `change`
// field saying which form it came from. A form is turned into a RuleEdit (approvals/rules/
// rule-edits.ts) here, and written by the same code for every page; what is wrong with it comes
// back as a notice for the page, with what the person typed, and config.json is not touched.
import { isPolicy, type ServerEntry } from '../../config/schema.js'
import type { RuleEdit, RuleEditProblem } from '../../approvals/rules/rule-edits.js'
import type { RuleEditWrite } from '../../approvals/rules/rule-writes.js'

/**
 * A rule form's largest body: an expression at its 2 KB limit can triple when percent-encoded,
 * and one somewhat over it still arrives, to be refused with its size rather than as no form.
 */
export const RULE_FORM_MAX_BYTES = 16 * 1024

/** The tool select's value for the server's own rule. */
export const ALL_TOOLS = '*'

export interface RuleFormsOptions {
  /** The names of the tools the bridge has seen the server list. */
  tools: (server: string) => string[]
  /** Checks and writes a change; the running bridge applies it before it answers. */
  write: (server: string, edit: RuleEdit) => Promise<RuleEditWrite>
}

/** The add form as the person filled it in, to show again with a refusal. */
export interface TypedRule {
  tool: string
  policy: string
  when: string
}

/** A refused change, shown on the server's part of the Rules section. */
export interface RuleNotice {
  server: string
  problem: RuleEditProblem
  typed?: TypedRule
}

export type RuleFormReading = { ok: true; edit: RuleEdit } | { ok: false; problem: RuleEditProblem }

/**
 * The tools a rule may name: those the bridge has seen listed, and those config.json already
 * has rules for (seen before a restart), sorted.
 */
export function ruleTools(entry: ServerEntry, seen: readonly string[]): string[] {
  const named = [
    ...Object.keys(entry.tools ?? {}),
    ...Object.keys(entry.whenRules ?? {}),
    ...Object.keys(entry.windows ?? {}),
  ]
  return [...new Set([...seen, ...named])].sort()
}

/** Reads one rule form's fields into the change they ask for; `tools` as ruleTools() gives them. */
export function readRuleForm(
  form: URLSearchParams,
  server: string,
  tools: readonly string[],
): RuleFormReading {
  const change = form.get('change')
  const tool = form.get('tool') ?? ''
  const policy = form.get('policy') ?? ''
  switch (change) {
    case 'add':
    case 'set': {
      if (!isPolicy(policy))
        return refused(`The policy must be allow, ask or deny, not ${JSON.stringify(policy)}.`)
      // Browsers send a textarea's line breaks as CRLF; the expression's columns count without the CR.
      const when = change === 'add' ? (form.get('when') ?? '').replace(/\r\n?/g, '\n') : ''
      if (tool === ALL_TOOLS) {
        if (when.trim() !== '')
          return refused(
            `An argument rule belongs to one tool: choose the tool it is about. "All tools of ${server}" sets the server's rule, which has no condition.`,
          )
        return { ok: true, edit: { kind: 'server-rule', policy } }
      }
      const unknown = unknownTool(tool, server, tools)
      if (unknown) return unknown
      if (when.trim() === '') return { ok: true, edit: { kind: 'tool-rule', tool, policy } }
      return { ok: true, edit: { kind: 'add-when', tool, policy, when } }
    }
    case 'remove-when': {
      const number = Number(form.get('number'))
      if (!Number.isInteger(number) || number < 1)
        return refused('That is not an argument rule of this page.')
      const unknown = unknownTool(tool, server, tools)
      if (unknown) return unknown
      return { ok: true, edit: { kind: 'remove-when', tool, number, when: form.get('when') ?? '' } }
    }
    case 'read-only': {
      const value = form.get('read-only')
      if (value !== 'allow' && value !== 'ask')
        return refused(
          `Read-only tools are allow (run without asking) or ask, not ${JSON.stringify(value)}.`,
        )
      return { ok: true, edit: { kind: 'read-only', on: value === 'allow' } }
    }
    default:
      return refused("That is not one of the dashboard's rule forms.")
  }
}

/** What the add form held, to fill it in again; undefined for the other forms. */
export function typedRule(form: URLSearchParams): TypedRule | undefined {
  if (form.get('change') !== 'add') return undefined
  return {
    tool: form.get('tool') ?? '',
    policy: form.get('policy') ?? '',
    when: form.get('when') ?? '',
  }
}

/** Reads, checks and writes one form: undefined when the change was made, else the notice to show. */
export async function submitRuleForm(
  options: RuleFormsOptions,
  entry: ServerEntry | undefined,
  server: string,
  form: URLSearchParams,
): Promise<RuleNotice | undefined> {
  const typed = typedRule(form)
  const notice = (problem: RuleEditProblem): RuleNotice => ({
    server,
    problem,
    ...(typed ? { typed } : {}),
  })
  if (!entry) return notice({ message: `There is no server named ${JSON.stringify(server)}.` })
  const reading = readRuleForm(form, server, ruleTools(entry, options.tools(server)))
  if (!reading.ok) return notice(reading.problem)
  const written = await options.write(server, reading.edit)
  return written.ok ? undefined : notice(written.problem)
}

function unknownTool(
  tool: string,
  server: string,
  tools: readonly string[],
): RuleFormReading | undefined {
  if (tools.includes(tool)) return undefined
  return refused(
    tool === ''
      ? 'Choose a tool, or "all tools of the server".'
      : `The bridge has not seen ${server} list a tool named ${JSON.stringify(tool)}. Tools appear here once a client has listed them through the bridge.`,
  )
}

function refused(message: string): { ok: false; problem: RuleEditProblem } {
  return { ok: false, problem: { message } }
}
