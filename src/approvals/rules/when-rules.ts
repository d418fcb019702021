// A tool's `when` rules, compiled once per loaded config: each config load gives new rule
// objects, so a cache keyed by them compiles every expression once and forgets the old ones.
// The CEL evaluator loads only for a config that has rules (prepareWhenRules), so a bridge
// without any does not pay for it at start-up.
import type { BridgeConfig, Policy, ServerEntry, WhenRule } from '../../config/schema.js'
import type { CompiledExpression } from './expression.js'
import { ownEntry } from '../own-entry.js'

let compile: typeof import('./expression.js').compileExpression | undefined

/** Loads the CEL evaluator; callers that decide calls from a config with rules await it first. */
export async function loadRuleEvaluator(): Promise<void> {
  compile ??= (await import('./expression.js')).compileExpression
}

export async function prepareWhenRules(config: BridgeConfig): Promise<void> {
  if (
    Object.values(config.servers).some(
      (entry) => entry.whenRules && Object.keys(entry.whenRules).length > 0,
    )
  )
    await loadRuleEvaluator()
}

export interface CompiledWhenRule {
  source: string
  policy: Policy
  compiled: CompiledExpression
}

const cache = new WeakMap<WhenRule, CompiledExpression>()

export function compiledWhenRules(
  entry: Pick<ServerEntry, 'whenRules'>,
  tool: string,
): CompiledWhenRule[] {
  return (ownEntry(entry.whenRules, tool) ?? []).map((rule) => {
    let compiled = cache.get(rule)
    if (!compiled && !compile) {
      // Not loaded yet (a config with new rules, between its reload and the load): such a rule
      // cannot judge the call, so it asks, as any rule that cannot be evaluated does.
      compiled = {
        ok: false,
        source: rule.when,
        problem: { message: 'the rule evaluator is still loading' },
      }
    } else if (!compiled) {
      compiled = (compile as NonNullable<typeof compile>)(rule.when)
      cache.set(rule, compiled)
    }
    return { source: rule.when, policy: rule.policy, compiled }
  })
}

/** `when #1 (args.amount <= 20 …)`: numbered from 1, as `policy <server>` lists them and `--remove-when` takes them. */
export function describeWhenRule(index: number, source: string): string {
  const oneLine = source.replace(/\s+/g, ' ').trim()
  return `when #${index + 1} (${oneLine.length > 48 ? `${oneLine.slice(0, 48).trimEnd()} …` : oneLine})`
}
