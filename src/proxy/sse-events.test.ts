import { describe, expect, it } from 'vitest'
import { SseParser, type SseEvent } from './sse-events.js'

describe('SseParser', () => {
  const parse = (chunks: string[], max = 1_000) => {
    const events: SseEvent[] = []
    const parser = new SseParser((event) => events.push(event), max)
    for (const chunk of chunks) parser.push(chunk)
    return events
  }

  it('reads events with LF, CRLF and CR line ends, split anywhere', () => {
    const text =
      '\uFEFFevent: endpoint\r\ndata: /messages?s=1\r\n\r\n: a comment\ndata: {"a":\ndata: 1}\n\nevent: message\rdata:x\r\r'
    const whole = parse([text])
    expect(whole).toEqual([
      { event: 'endpoint', data: '/messages?s=1', id: undefined },
      { event: 'message', data: '{"a":\n1}', id: undefined },
      { event: 'message', data: 'x', id: undefined },
    ])
    // Every split point, including between the CR and LF of a CRLF.
    for (let cut = 1; cut < text.length; cut += 1)
      expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual(whole)
    expect(parse([...text])).toEqual(whole)
  })

  it('skips events without data and keeps the last id', () => {
    expect(parse(['id: 7\nevent: x\n\ndata: y\n\n'])).toEqual([
      { event: 'message', data: 'y', id: '7' },
    ])
  })

  it('refuses an event larger than its limit, whether in one line or many', () => {
    expect(() => parse([`data: ${'x'.repeat(2_000)}`])).toThrow(/larger than/)
    expect(() => parse(Array.from({ length: 50 }, () => `data: ${'x'.repeat(40)}\n`))).toThrow(
      /larger than/,
    )
  })
})

describe('SseParser over bytes', () => {
  it('joins the data lines of an event whose CRLF is split between chunks, and keeps split characters whole', () => {
    const events: SseEvent[] = []
    const parser = new SseParser((event) => events.push(event), 1_000)
    const bytes = Buffer.from('data: a\r\ndata: é\r\n\r\n')
    // Cut after the first CR, and inside the two bytes of é.
    for (const chunk of [bytes.subarray(0, 8), bytes.subarray(8, 16), bytes.subarray(16)])
      parser.push(chunk)
    expect(events).toEqual([{ event: 'message', data: 'a\né', id: undefined }])
  })
})
