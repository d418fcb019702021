import { describe, expect, it } from 'vitest'
import { terminalBlock, terminalLine } from './terminal-text.js'

describe('text made safe for a terminal', () => {
  it('writes ANSI and other control sequences as visible escapes', () => {
    expect(terminalLine('a\u001b[2Jb\u001b]0;title\u0007c\u009b31m\u0000\u007f')).toBe(
      'a\\u001b[2Jb\\u001b]0;title\\u0007c\\u009b31m\\u0000\\u007f',
    )
  })

  it('escapes line breaks in a line, keeps them in a block, and never keeps a carriage return', () => {
    expect(terminalLine('one\ntwo\r\tthree')).toBe('one\\ntwo\\r\\tthree')
    expect(terminalBlock('one\r\ntwo\n\tthree\rover')).toBe('one\ntwo\n\tthree\\rover')
  })

  it('shows bidi overrides, zero-width and tag characters, and lone surrogate halves', () => {
    expect(terminalLine('rev\u202egnp.exe')).toBe('rev\\u202egnp.exe')
    expect(terminalLine('r\u200bm \ufeff')).toBe('r\\u200bm \\ufeff')
    expect(terminalLine('hi\u{e0041}')).toBe('hi\\udb40\\udc41')
    expect(terminalLine('x\ud800y\udc00')).toBe('x\\ud800y\\udc00')
  })

  it('leaves ordinary text alone, emoji and accents included', () => {
    const text = 'Grüße 🎉 — naïve café, 日本語'
    expect(terminalLine(text)).toBe(text)
  })

  it('keeps JSON text JSON with the same meaning', () => {
    const value = { text: 'a\u009b31m\u202e\u{e0041}\u2028b', n: 1 }
    const escaped = terminalBlock(JSON.stringify(value, null, 2))
    expect(escaped).not.toMatch(/[\u0080-\u009f\u202e\u2028]/)
    expect(JSON.parse(escaped)).toEqual(value)
  })
})
