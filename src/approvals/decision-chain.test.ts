import { describe, expect, it } from 'vitest'
import {
  chainLine,
  GENESIS,
  hashLine,
  verifyChain,
  type ChainFile,
  type DecisionAnchor,
} from './decision-chain.js'

function buildChain(count: number): string[] {
  const lines: string[] = []
  let prev = GENESIS
  for (let seq = 1; seq <= count; seq++) {
    const line = chainLine(
      {
        time: `2025-01-0${seq}T10:00:00.000Z`,
        server: 'up',
        tool: `tool${seq}`,
        decision: seq % 2 ? 'allow' : 'deny',
        how: 'policy',
      },
      seq,
      prev,
    )
    lines.push(line)
    prev = hashLine(line)
  }
  return lines
}

function anchorOf(lines: string[]): DecisionAnchor {
  return { lines: lines.length, last: hashLine(lines.at(-1) as string) }
}

function file(lines: string[], name = 'decisions.jsonl'): ChainFile {
  return { name, lines: lines.map((line) => Buffer.from(line)) }
}

describe('the decision chain', () => {
  it('writes a line in one fixed text: seq first, the fields in order, prev last, undefined ones left out', () => {
    const line = chainLine(
      {
        time: '2025-01-01T10:00:00.000Z',
        server: 'up',
        tool: 'pay "now"\n',
        decision: 'allow',
        how: 'page',
        argsHash: 'h',
        args: { amount: 5 },
      },
      7,
      'p'.repeat(64),
    )
    expect(line).toBe(
      `{"seq":7,"time":"2025-01-01T10:00:00.000Z","server":"up","tool":"pay \\"now\\"\\n","decision":"allow","how":"page","argsHash":"h","args":{"amount":5},"prev":"${'p'.repeat(64)}"}`,
    )
    expect(JSON.parse(line)).toMatchObject({ seq: 7, tool: 'pay "now"\n', prev: 'p'.repeat(64) })
  })

  const lines = buildChain(5)
  const anchor = anchorOf(lines)

  it('verifies an untouched chain, and names the first line and its genesis prev', () => {
    expect(verifyChain([file(lines)], anchor)).toEqual({ decisions: 5, unanchored: 0 })
    expect(JSON.parse(lines[0] as string)).toMatchObject({ seq: 1, prev: GENESIS })
    expect(Object.keys(JSON.parse(lines[0] as string))).toEqual([
      'seq',
      'time',
      'server',
      'tool',
      'decision',
      'how',
      'prev',
    ])
  })

  it.each([0, 1, 2, 3, 4])('names line %i + 1 as edited when its decision is changed', (index) => {
    const edited = [...lines]
    edited[index] = (edited[index] as string).replace(
      /"decision":"(allow|deny)"/,
      (_all, was: string) => `"decision":"${was === 'allow' ? 'deny' : 'allow'}"`,
    )
    const report = verifyChain([file(edited)], anchor)
    expect(report.broken).toMatchObject({
      kind: 'edited',
      file: 'decisions.jsonl',
      line: index + 1,
    })
  })

  it.each([0, 1, 2, 3, 4])(
    'names line %i + 1 as edited when its prev, its seq or its JSON is changed',
    (index) => {
      const variants = [
        (line: string) => line.replace(/"prev":"./, '"prev":"f'),
        (line: string) => line.replace(/"seq":\d+/, '"seq":9'),
        (line: string) => line.slice(0, -3),
      ]
      for (const change of variants) {
        const edited = [...lines]
        edited[index] = change(edited[index] as string)
        expect(verifyChain([file(edited)], anchor).broken, change.toString()).toMatchObject({
          kind: 'edited',
          line: index + 1,
        })
      }
    },
  )

  it('names a deleted middle line as missing, at the line that follows it', () => {
    const report = verifyChain([file([lines[0], lines[1], lines[3], lines[4]] as string[])], anchor)
    expect(report.broken).toMatchObject({ kind: 'missing', line: 3 })
    expect(report.broken?.detail).toMatch(/decision #3 was removed/)
  })

  it('names a swapped pair as reordered', () => {
    const report = verifyChain(
      [file([lines[0], lines[2], lines[1], lines[3], lines[4]] as string[])],
      anchor,
    )
    expect(report.broken).toMatchObject({ kind: 'reordered', line: 2 })
    expect(report.broken?.detail).toMatch(/#2 belongs here and comes later, at decisions.jsonl:3/)
  })

  it('notices a cut-off end only through the anchor', () => {
    const cut = lines.slice(0, 3)
    expect(verifyChain([file(cut)], anchorOf(cut)).broken).toBeUndefined()
    const report = verifyChain([file(cut)], anchor)
    expect(report.broken).toMatchObject({ kind: 'cut off at the end', line: 4 })
    expect(report.broken?.detail).toMatch(
      /anchor records 5 decisions, the log holds 3: the last 2 are gone/,
    )
  })

  it('notices a chain rewritten with every later prev recomputed, through the anchor', () => {
    const forged = buildChain(5).map((line) => line.replace('"tool3"', '"tool3-forged"'))
    let prev = GENESIS
    const rechained = forged.map((line, index) => {
      const entry = JSON.parse(line) as Record<string, unknown>
      const again = chainLine(entry, index + 1, prev)
      prev = hashLine(again)
      return again
    })
    expect(verifyChain([file(rechained)], anchor).broken).toMatchObject({ kind: 'edited', line: 5 })
  })

  it('reports lines newer than the anchor as not anchored, and a missing anchor as a break', () => {
    expect(verifyChain([file(lines)], anchorOf(lines.slice(0, 3)))).toEqual({
      decisions: 5,
      unanchored: 2,
    })
    expect(verifyChain([file(lines)], undefined).broken).toMatchObject({ kind: 'no anchor' })
    expect(verifyChain([], undefined)).toEqual({ decisions: 0, unanchored: 0 })
  })

  it('keeps reporting a break the bridge found on starting', () => {
    const report = verifyChain([file(lines)], {
      ...anchor,
      breaks: [
        {
          at: '2025-02-01T00:00:00.000Z',
          kind: 'cut off at the end',
          detail: 'the last 2 were gone',
          file: 'decisions.jsonl',
          line: 4,
        },
      ],
    })
    expect(report.broken).toMatchObject({
      kind: 'cut off at the end',
      line: 4,
      foundAt: '2025-02-01T00:00:00.000Z',
    })
  })

  it('follows the chain across files, and names a deleted rotated file', () => {
    const files = [
      file(lines.slice(0, 2), 'decisions.1.jsonl'),
      file(lines.slice(2, 4), 'decisions.2.jsonl'),
      file(lines.slice(4)),
    ]
    expect(verifyChain(files, anchor)).toEqual({ decisions: 5, unanchored: 0 })
    const report = verifyChain([files[0], files[2]] as ChainFile[], anchor, ['decisions.2.jsonl'])
    expect(report.broken).toMatchObject({ kind: 'missing', file: 'decisions.jsonl', line: 1 })
    expect(report.broken?.detail).toMatch(
      /decisions #3–#4 were removed before this line \(decisions.2.jsonl is gone\)/,
    )
  })
})
