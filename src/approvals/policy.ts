// Which policy governs a tool call, and which rule said so. The order (docs/policies.md):
//   1. the tool's `when` rules, in order: the first that matches decides; one that cannot be
//      evaluated (missing field, wrong type, does not compile) asks — it never allows;
//   2. an open time window for the tool;
//   3. the tool's plain rule;
//   4. read-only tools, when turned on and the tool qualifies;
//   5. the server's rule;
//   6. ask.
// Every approval from a person (always allow, a window, read-only) holds only while the tool's
// definition is the one the person saw: a reworded description or widened schema asks again.
import type { ApprovedDefinition, Policy, ServerEntry, ToolRule } from '../config/schema.js'
import { definitionFingerprint, type ToolDefinition } from './tool-catalog.js'
import { compiledWhenRules, describeWhenRule } from './rules/when-rules.js'
import { openWindow, windowEnd } from './rules/windows.js'
import { checkReadOnly } from './rules/read-only.js'
import { ownEntry } from './own-entry.js'
import { clockTime, describeEnd } from './rules/duration.js'

export interface PolicyVerdict {
  policy: Policy
  /** The definition the person approved, when the server has changed it since. */
  changedSince?: { description?: string; inputSchema?: unknown }
  /** The rule that decided, short: `when #1 (args.amount <= 20 …)`, `window until 14:05`, `tool rule`, `read-only`, `server rule`, `default`. */
  rule: string
  /** Each rule tried, in order, and what it gave: `policy <server> explain` prints them. */
  steps: RuleStep[]
}

export interface RuleStep {
  rule: string
  result: string
  /** This step decided the call. */
  decided?: Policy
}

/** A call to decide; a bare tool name (a tools/list being filtered) skips the argument rules. */
export interface CallToDecide {
  tool: string
  arguments: unknown
  server?: string
  client?: string
}

type DecidableEntry = Pick<ServerEntry, 'policy' | 'tools' | 'whenRules' | 'windows' | 'readOnly'>

export function decide(
  entry: DecidableEntry,
  call: string | CallToDecide,
  current?: ToolDefinition,
  now: number = Date.now(),
): PolicyVerdict {
  const tool = typeof call === 'string' ? call : call.tool
  const steps: RuleStep[] = []
  const verdict = (
    policy: Policy,
    rule: string,
    extra: Pick<PolicyVerdict, 'changedSince'> = {},
  ): PolicyVerdict => ({ policy, rule, steps, ...extra })

  // 1. Argument rules. Not for tools/list: a `when` rule never hides a tool.
  if (typeof call !== 'string') {
    for (const [index, rule] of compiledWhenRules(entry, tool).entries()) {
      const name = describeWhenRule(index, rule.source)
      if (!rule.compiled.ok) {
        steps.push({
          rule: `${name} → ${rule.policy}`,
          result: `does not compile (${rule.compiled.problem.message}): asks`,
          decided: 'ask',
        })
        return verdict('ask', `${name} (broken)`)
      }
      const outcome = rule.compiled.test({
        server: call.server ?? '',
        tool,
        args: call.arguments,
        client: call.client ?? '',
      })
      if (outcome.kind === 'error') {
        steps.push({
          rule: `${name} → ${rule.policy}`,
          result: `could not be evaluated (${outcome.reason}): asks, never allows`,
          decided: 'ask',
        })
        return verdict('ask', `${name} (error)`)
      }
      if (outcome.kind === 'match') {
        steps.push({ rule: `${name} → ${rule.policy}`, result: 'matches', decided: rule.policy })
        return verdict(rule.policy, name)
      }
      steps.push({ rule: `${name} → ${rule.policy}`, result: 'does not match' })
    }
  }

  // 2. An open time window.
  const window = openWindow(entry, tool, now)
  const ended = ownEntry(entry.windows, tool)
  if (window) {
    const name = `window until ${clockTime(windowEnd(window))}`
    const changed = changedSince(window.approvedDefinition, current)
    if (changed) {
      steps.push({
        rule: name,
        result: 'the tool changed since the window was opened: asks again',
        decided: 'ask',
      })
      return verdict('ask', `${name} (tool changed)`, { changedSince: changed })
    }
    steps.push({
      rule: name,
      result: `open, ends ${describeEnd(windowEnd(window), now)}${window.approvedDefinition ? '' : ' (opened from the command line, not bound to a definition)'}`,
      decided: 'allow',
    })
    return verdict('allow', name)
  }
  if (ended)
    steps.push({ rule: 'window', result: `ended at ${clockTime(windowEnd(ended))}: ignored` })

  // 3. The tool's plain rule.
  const rule: ToolRule | undefined = ownEntry(entry.tools, tool)
  if (rule !== undefined) {
    const plain = typeof rule === 'string' ? { policy: rule } : rule
    const changed =
      plain.policy === 'allow' ? changedSince(plain.approvedDefinition, current) : undefined
    if (changed) {
      steps.push({
        rule: 'tool rule allow (always allow)',
        result: 'the tool changed since it was always-allowed: asks again',
        decided: 'ask',
      })
      return verdict('ask', 'tool rule (tool changed)', { changedSince: changed })
    }
    steps.push({ rule: `tool rule ${plain.policy}`, result: plain.policy, decided: plain.policy })
    return verdict(plain.policy, 'tool rule')
  }
  steps.push({ rule: 'tool rule', result: 'none' })

  // 4. Read-only tools.
  if (entry.readOnly) {
    const check = checkReadOnly(entry, tool, current)
    if (check.qualifies) {
      steps.push({
        rule: 'read-only allow',
        result: 'the tool is marked readOnlyHint, as first seen',
        decided: 'allow',
      })
      return verdict('allow', 'read-only')
    }
    steps.push({ rule: 'read-only allow', result: `does not apply: ${check.reason}` })
  }

  // 5. The server's rule, else 6. ask.
  if (entry.policy !== undefined) {
    steps.push({ rule: `server rule ${entry.policy}`, result: entry.policy, decided: entry.policy })
    return verdict(entry.policy, 'server rule')
  }
  steps.push({ rule: 'default', result: 'ask', decided: 'ask' })
  return verdict('ask', 'default')
}

/**
 * The definition a person approved, when the tool's current one differs from it. A definition
 * not seen yet cannot be compared; the model can only have learned the tool from a tools/list
 * that passed through here, which records it.
 */
function changedSince(
  approved: ApprovedDefinition | undefined,
  current: ToolDefinition | undefined,
): PolicyVerdict['changedSince'] {
  if (!approved || !current) return undefined
  if ((current.fingerprint ?? definitionFingerprint(current)) === approved.fingerprint)
    return undefined
  return {
    ...(approved.description !== undefined ? { description: approved.description } : {}),
    ...(approved.inputSchema !== undefined ? { inputSchema: approved.inputSchema } : {}),
  }
}
