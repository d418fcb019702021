// The rule changes a person makes by hand: the server's plain rule, a tool's plain rule, an
// argument rule added or removed, read-only tools turned on or off. The dashboard's forms make
// them through writeRuleEdit() (rule-writes.ts), `policy` applies them inside its own config
// update, so both check and change alike. Each change is checked before config.json is
// touched: a refused one comes back as a problem for the person, and the file stays as it was.
import type { Policy, ServerEntry } from '../../config/schema.js'
import type { ExpressionProblem } from './expression.js'
import { endWindow, pruneWindows } from './windows.js'
import { ownEntry } from '../own-entry.js'

export type RuleEdit =
  | { kind: 'server-rule'; policy: Policy }
  | { kind: 'tool-rule'; tool: string; policy: Policy }
  | { kind: 'add-when'; tool: string; policy: Policy; when: string }
  /** `number` as `policy <server>` and the dashboard list them (from 1); `when`: the rule the person saw there. */
  | { kind: 'remove-when'; tool: string; number: number; when: string }
  | { kind: 'read-only'; on: boolean }

/** Why a change was refused; for an expression, where in it (line, column, a caret line). */
export type RuleEditProblem = ExpressionProblem

/** `number`: the argument rule's number, added or removed; `endedWindow`: a tool rule ended the tool's open window. */
export type AppliedRuleEdit =
  | { ok: true; summary: string; number?: number; endedWindow?: boolean }
  | { ok: false; problem: RuleEditProblem }

/**
 * What can be refused before the config is read: an argument rule's expression that does not
 * parse, does not type-check or is over the size limit. The evaluator is loaded only here, for a
 * new argument rule, so a bridge whose rules never use one does not load it.
 */
export async function checkRuleEdit(edit: RuleEdit): Promise<RuleEditProblem | undefined> {
  if (edit.kind !== 'add-when') return undefined
  const { compileExpression } = await import('./expression.js')
  const compiled = compileExpression(edit.when)
  return compiled.ok ? undefined : compiled.problem
}

/** Applies a checked change to the server's entry, or leaves the entry untouched and says why not. */
export function applyRuleEdit(entry: ServerEntry, edit: RuleEdit, now: number): AppliedRuleEdit {
  const applied = apply(entry, edit, now)
  // Ended windows are dropped on every write, so config.json does not collect them.
  if (applied.ok) pruneWindows(entry, now)
  return applied
}

function apply(entry: ServerEntry, edit: RuleEdit, now: number): AppliedRuleEdit {
  switch (edit.kind) {
    case 'server-rule':
      entry.policy = edit.policy
      return { ok: true, summary: `Tool calls now default to ${edit.policy}.` }
    case 'tool-rule': {
      entry.tools = { ...entry.tools, [edit.tool]: edit.policy }
      // A rule set now is what the person wants now: an open window would override it until it ends.
      const endedWindow = endWindow(entry, edit.tool, now)
      const first =
        (ownEntry(entry.whenRules, edit.tool)?.length ?? 0) > 0
          ? ' Its argument rules still come first.'
          : ''
      return {
        ok: true,
        summary: `Calls to ${edit.tool} are now ${edit.policy}${endedWindow ? ' (its time window is ended)' : ''}.${first}`,
        endedWindow,
      }
    }
    case 'add-when': {
      const rules = [
        ...(ownEntry(entry.whenRules, edit.tool) ?? []),
        { when: edit.when, policy: edit.policy },
      ]
      entry.whenRules = { ...entry.whenRules, [edit.tool]: rules }
      return {
        ok: true,
        summary: `Argument rule #${rules.length} for ${edit.tool}: ${edit.policy} when ${edit.when}`,
        number: rules.length,
      }
    }
    case 'remove-when':
      return removeWhenRule(entry, edit)
    case 'read-only':
      // On (again) starts afresh: the tools are bound to their definitions as the bridge next sees them.
      if (edit.on) entry.readOnly = { policy: 'allow', definitions: {} }
      else delete entry.readOnly
      return {
        ok: true,
        summary: edit.on
          ? 'Tools the server marks read-only now run without asking, as the bridge sees them now.'
          : 'Tools the server marks read-only ask again like any other.',
      }
  }
}

function removeWhenRule(
  entry: ServerEntry,
  edit: Extract<RuleEdit, { kind: 'remove-when' }>,
): AppliedRuleEdit {
  const rules = ownEntry(entry.whenRules, edit.tool) ?? []
  const rule = rules[edit.number - 1]
  // Numbers shift as rules come and go: the rule must still be the one the person chose to remove.
  if (!rule || rule.when !== edit.when) {
    return {
      ok: false,
      problem: {
        message: `${edit.tool} has no argument rule #${edit.number} "${edit.when}" any more: its rules changed since the page was shown. Nothing was removed; look at the rules again.`,
      },
    }
  }
  rules.splice(edit.number - 1, 1)
  if (entry.whenRules && rules.length === 0) delete entry.whenRules[edit.tool]
  if (entry.whenRules && Object.keys(entry.whenRules).length === 0) delete entry.whenRules
  return {
    ok: true,
    summary: `Removed argument rule #${edit.number} of ${edit.tool}: ${rule.when}`,
    number: edit.number,
  }
}
