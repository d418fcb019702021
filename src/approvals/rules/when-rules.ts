// A tool's `when` rules, compiled once per loaded config: each config load gives new rule
// objects, so a cache keyed by them compiles every expression once and forgets the old ones.
import type { Policy, ServerEntry, WhenRule } from '../../config/schema.js'
import { compileExpression, type CompiledExpression } from './expression.js'

export interface CompiledWhenRule {
  source: string
  policy: Policy
  compiled: CompiledExpression
}

const cache = new WeakMap<WhenRule, CompiledExpression>()

export function compiledWhenRules(entry: Pick<ServerEntry, 'whenRules'>, tool: string): CompiledWhenRule[] {
  return (entry.whenRules?.[tool] ?? []).map((rule) => {
    let compiled = cache.get(rule)
    if (!compiled) {
      compiled = compileExpression(rule.when)
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
