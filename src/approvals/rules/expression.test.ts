import { describe, expect, it } from 'vitest'
import { compileExpression, MAX_EXPRESSION_BYTES } from './expression.js'
import { describeEnd, describeRemaining, parseDuration } from './duration.js'

const facts = (args: unknown) => ({ server: 'pay', tool: 'send_money', args, client: '' })

describe('CEL expressions', () => {
  it('evaluates the README examples as written', () => {
    const small = compileExpression('args.amount <= 20 && args.currency == "EUR"')
    const unknown = compileExpression('args.to.endsWith("@unknown.example")')
    if (!small.ok || !unknown.ok) throw new Error('should compile')
    expect(small.test(facts({ amount: 20, currency: 'EUR' }))).toEqual({ kind: 'match' })
    expect(small.test(facts({ amount: 20.5, currency: 'EUR' }))).toEqual({ kind: 'no-match' })
    expect(unknown.test(facts({ to: 'x@unknown.example' }))).toEqual({ kind: 'match' })
  })

  it('names the position of a syntax error, with a caret line', () => {
    const compiled = compileExpression('args.amount <= 20 &&')
    expect(compiled.ok).toBe(false)
    if (compiled.ok) return
    expect(compiled.problem).toMatchObject({
      message: 'syntax error: Unexpected token: EOF',
      line: 1,
      column: 21,
    })
    expect(compiled.problem.pointer).toBe('args.amount <= 20 &&\n                    ^')
  })

  it('finds the line of an error in a multi-line expression', () => {
    const compiled = compileExpression('args.amount <= 20 &&\n  args.currency ==')
    if (compiled.ok) throw new Error('should not compile')
    expect(compiled.problem).toMatchObject({ line: 2, column: 19 })
  })

  it('type-checks the declared variables', () => {
    for (const [source, message] of [
      ['tool + 1 == "x"', /no such overload: string \+ int/],
      ['nosuch == 1', /Unknown variable: nosuch/],
      ['args.amount <= 20 && "a"', /Logical operator requires bool/],
      ['tool', /gives string, not true or false/],
    ] as const) {
      const compiled = compileExpression(source)
      expect(compiled.ok, source).toBe(false)
      if (!compiled.ok) expect(compiled.problem.message).toMatch(message)
    }
  })

  it('refuses an expression over 2 KB', () => {
    const long = `args.note == "${'x'.repeat(MAX_EXPRESSION_BYTES)}"`
    const compiled = compileExpression(long)
    expect(compiled.ok).toBe(false)
    if (!compiled.ok) expect(compiled.problem.message).toMatch(/limit is 2048/)
  })

  it('reports runtime errors instead of throwing, and never reaches JavaScript properties', () => {
    const compiled = compileExpression('args.constructor == "x" || args.amount > 1')
    if (!compiled.ok) throw new Error('should compile')
    expect(compiled.test(facts({}))).toMatchObject({
      kind: 'error',
      reason: expect.stringMatching(/No such key/),
    })
    expect(compiled.test(facts([1]))).toMatchObject({ kind: 'error' })
  })
})

describe('durations', () => {
  it('reads s, m, h and d', () => {
    expect(['90s', '15m', '1h', '8h', '2d'].map(parseDuration)).toEqual([
      90, 900, 3600, 28_800, 172_800,
    ])
  })
  it('refuses unknown units, zero and more than 30 days', () => {
    expect(() => parseDuration('5x')).toThrow(/"5x" is not a duration/)
    expect(() => parseDuration('0s')).toThrow(/no time at all/)
    expect(() => parseDuration('31d')).toThrow(/30 days/)
  })
  it('shows the end in local time to the minute, and how long is left', () => {
    const now = new Date(2026, 2, 3, 13, 23).getTime()
    expect(describeEnd(now + 42 * 60_000, now)).toBe('14:05 (in 42 min)')
    expect(describeRemaining(8 * 3600_000)).toBe('in 8 h')
    expect(describeEnd(now + 2 * 86_400_000, now)).toBe('2026-03-05 13:23 (in 2 d)')
  })
})
