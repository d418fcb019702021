import { describe, expect, it } from 'vitest'
import { argumentsHash, argumentsPreview } from './argument-preview.js'

describe('argument previews for the decision log', () => {
  it('hashes the canonical JSON: the key order does not matter, a value does', () => {
    expect(argumentsHash({ a: 1, b: { c: 2, d: 3 } })).toBe(
      argumentsHash({ b: { d: 3, c: 2 }, a: 1 }),
    )
    expect(argumentsHash({ a: 1 })).not.toBe(argumentsHash({ a: 2 }))
    expect(argumentsHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/)
  })

  it('cuts strings to 40 characters and blanks secret-looking fields whatever their value', () => {
    const preview = argumentsPreview({
      text: 'x'.repeat(100),
      apiKey: 'short',
      nested: { password: { deep: 1 } },
      amount: 12,
    })
    expect(preview).toEqual({
      text: `${'x'.repeat(40)}…`,
      apiKey: '[redacted]',
      nested: { password: '[redacted]' },
      amount: 12,
    })
  })

  it('blanks token-shaped words anywhere, so a cut never keeps the start of a key', () => {
    const token = 'ghp_1234567890abcdefghij1234567890abcdef'
    const preview = argumentsPreview({
      note: `use ${token} please`,
      jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123',
      path: '/home/user/projects/notes.txt',
    }) as Record<string, string>
    expect(JSON.stringify(preview)).not.toContain('ghp_1234')
    expect(preview.note).toBe('use [redacted] please')
    expect(preview.jwt).toBe('[redacted]')
    expect(preview.path).toBe('/home/user/projects/notes.txt')
  })

  it('caps the whole preview', () => {
    const wide = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [
        `field${i}`,
        { inner: 'y'.repeat(60), list: Array.from({ length: 20 }, () => 'z'.repeat(30)) },
      ]),
    )
    expect(JSON.stringify(argumentsPreview(wide)).length).toBeLessThanOrEqual(400)
    expect(
      JSON.stringify(argumentsPreview(Array.from({ length: 1000 }, () => ({ a: 1 })))).length,
    ).toBeLessThanOrEqual(400)
  })
})
