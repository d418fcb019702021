import { describe, expect, it } from 'vitest'
import { diffArguments, editNote, isSameArguments } from './argument-diff.js'

describe('what a person changed in the arguments', () => {
  it('lists changed, added and removed fields, nested objects by their paths', () => {
    const before = {
      city: 'Paris',
      nights: 3,
      note: 'late',
      address: { street: 'Main', zip: '1000' },
      tags: ['a'],
    }
    const after = {
      city: 'Lyon',
      nights: 3,
      address: { street: 'Main', zip: '2000' },
      tags: ['a', 'b'],
      flex: true,
    }
    expect(diffArguments(before, after)).toEqual([
      { kind: 'changed', path: ['city'], before: 'Paris', after: 'Lyon' },
      { kind: 'removed', path: ['note'], before: 'late' },
      { kind: 'changed', path: ['address', 'zip'], before: '1000', after: '2000' },
      { kind: 'changed', path: ['tags'], before: ['a'], after: ['a', 'b'] },
      { kind: 'added', path: ['flex'], after: true },
    ])
  })

  it('reads as one exact sentence for the model', () => {
    expect(
      editNote({ city: 'Paris', nights: 3, note: 'late' }, { city: 'Lyon', nights: 2, pets: 1 }),
    ).toBe(
      'Note from the bridge: before approving this call, the person changed its arguments, and the tool ran with the changed ones, not the ones you sent. ' +
        '$.city: "Paris" → "Lyon"; $.nights: 3 → 2; $.note: removed (was "late"); $.pets: added 1.',
    )
  })

  it('cuts long values short and counts changes beyond the first ten', () => {
    const long = 'x'.repeat(500)
    const note = editNote({ text: long }, { text: `${long}!` })
    expect(note).toContain(`$.text: "${'x'.repeat(58)}… → "${'x'.repeat(58)}…`)
    expect(note.length).toBeLessThan(400)
    const before = Object.fromEntries(
      Array.from({ length: 13 }, (_, index) => [`f${index}`, index]),
    )
    const after = Object.fromEntries(
      Array.from({ length: 13 }, (_, index) => [`f${index}`, index + 1]),
    )
    expect(editNote(before, after)).toMatch(/\$\.f9: 9 → 10; and 3 more changes\.$/)
  })

  it('treats key order and spacing as no change', () => {
    expect(isSameArguments({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true)
    expect(isSameArguments({ a: 1 }, { a: '1' })).toBe(false)
    expect(isSameArguments(undefined, {})).toBe(true)
  })
})
