// CEL expressions over a tool call: `args` (the call's arguments), `tool`, `server` and `client`
// (the client's name, "" when unknown). Parsed and type-checked by @marcbachmann/cel-js, never
// run as JavaScript; see docs/policies.md for why this library.
import { Environment, type ParseResult } from '@marcbachmann/cel-js'

import { MAX_EXPRESSION_BYTES } from './expression-limits.js'

export { MAX_EXPRESSION_BYTES }

export interface CallFacts {
  server: string
  tool: string
  args: unknown
  client: string
}

/** What went wrong with an expression, and where: `pointer` is the expression's line and a caret under the spot. */
export interface ExpressionProblem {
  message: string
  line?: number
  column?: number
  pointer?: string
}

export type Outcome = { kind: 'match' } | { kind: 'no-match' } | { kind: 'error'; reason: string }

export type CompiledExpression =
  | { ok: true; source: string; test: (facts: CallFacts) => Outcome }
  | { ok: false; source: string; problem: ExpressionProblem }

const environment = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 64 } })
  .registerVariable('args', 'map')
  .registerVariable('tool', 'string')
  .registerVariable('server', 'string')
  .registerVariable('client', 'string')

interface LocatedError {
  summary?: string
  message: string
  range?: { start: number }
  node?: { pos?: number }
}

export function compileExpression(source: string): CompiledExpression {
  const bytes = Buffer.byteLength(source, 'utf8')
  if (bytes > MAX_EXPRESSION_BYTES) {
    return {
      ok: false,
      source,
      problem: {
        message: `the expression is ${bytes} bytes long; the limit is ${MAX_EXPRESSION_BYTES}. Split it into several rules.`,
      },
    }
  }
  if (source.trim() === '')
    return { ok: false, source, problem: { message: 'the expression is empty' } }
  let parsed: ParseResult
  try {
    parsed = environment.parse(source)
  } catch (error) {
    return { ok: false, source, problem: locate(source, error as LocatedError, 'syntax error') }
  }
  const checked = parsed.check()
  if (!checked.valid)
    return {
      ok: false,
      source,
      problem: locate(source, checked.error as LocatedError, 'type error'),
    }
  // `dyn` is what a field of `args` is until the call arrives; anything else cannot be a condition.
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return {
      ok: false,
      source,
      problem: {
        message: `type error: the expression gives ${checked.type ?? 'a value'}, not true or false`,
        line: 1,
        column: 1,
        pointer: pointerAt(source, 0),
      },
    }
  }
  return { ok: true, source, test: (facts) => run(parsed, facts) }
}

function run(parsed: ParseResult, facts: CallFacts): Outcome {
  // A call without arguments is an empty map, so `has(args.x)` works; anything else (a list) is
  // left as it is and fails the variable's type, which asks.
  const args = facts.args === undefined || facts.args === null ? {} : facts.args
  let value: unknown
  try {
    value = parsed({ args, tool: facts.tool, server: facts.server, client: facts.client })
  } catch (error) {
    return { kind: 'error', reason: firstLine(error as LocatedError) }
  }
  if (value === true) return { kind: 'match' }
  if (value === false) return { kind: 'no-match' }
  return { kind: 'error', reason: `the expression gave ${describeValue(value)}, not true or false` }
}

function locate(source: string, error: LocatedError, kind: string): ExpressionProblem {
  const offset = error.range?.start ?? error.node?.pos
  const message = `${kind}: ${firstLine(error)}`
  if (offset === undefined) return { message }
  const before = source.slice(0, offset).split('\n')
  return {
    message,
    line: before.length,
    column: (before.at(-1) ?? '').length + 1,
    pointer: pointerAt(source, offset),
  }
}

/** The line holding `offset`, and a caret line under that character. */
export function pointerAt(source: string, offset: number): string {
  const start = source.lastIndexOf('\n', offset - 1) + 1
  const end = source.indexOf('\n', offset)
  const line = source.slice(start, end === -1 ? undefined : end)
  return `${line}\n${' '.repeat(Math.max(0, offset - start))}^`
}

function firstLine(error: LocatedError): string {
  return error.summary ?? String(error.message ?? error).split('\n')[0] ?? 'failed'
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number'
  if (Array.isArray(value)) return 'a list'
  return `a ${typeof value}`
}
