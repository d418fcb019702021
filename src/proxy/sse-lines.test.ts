import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { SseLineParser, type SseMessage } from './sse-lines.js'
import { readLines, writeLine } from './stdio-lines.js'

describe('SseLineParser', () => {
  it('yields whole events across chunks, with CRLF, comments and multi-line data', () => {
    const events: SseMessage[] = []
    const parser = new SseLineParser((event) => events.push(event))
    for (const chunk of [
      ': keep-alive\r\n',
      'id: 7\r\ndata: {"a"',
      ':1}\r',
      '\n\r\nevent: ping\ndata: x\ndata: y\n\n',
    ])
      parser.push(Buffer.from(chunk))
    expect(events).toEqual([
      { event: 'message', data: '{"a":1}', id: '7' },
      { event: 'ping', data: 'x\ny', id: undefined },
    ])
    expect(parser.lastEventId).toBe('7')
  })

  it('keeps a character split across chunks whole', () => {
    const events: SseMessage[] = []
    const parser = new SseLineParser((event) => events.push(event))
    const bytes = Buffer.from('data: é\n\n')
    parser.push(bytes.subarray(0, 7))
    parser.push(bytes.subarray(7))
    expect(events[0]?.data).toBe('é')
  })
})

describe('stdio lines', () => {
  it('reads each non-empty line as it comes and writes each message on one line', async () => {
    const input = new PassThrough()
    const lines: string[] = []
    readLines(input, (line) => lines.push(line))
    input.write('{"a":1}\n\n{"b"')
    input.end(':2}\n')
    await new Promise((resolve) => input.once('end', resolve))
    expect(lines).toEqual(['{"a":1}', '{"b":2}'])
    const output = new PassThrough()
    writeLine(output, '{\n  "jsonrpc": "2.0"\n}\n')
    expect(String(output.read())).toBe('{   "jsonrpc": "2.0" }\n')
  })
})
