import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import { rewriteSseData } from './sse.js'

describe('SSE data rewriting', () => {
  it('rewrites data across chunk boundaries and keeps ids, retry and comments', async () => {
    const input = [
      'id: 7\nretry: 500\ndata: {"a"',
      ':1}\n\n: keep-alive\n\nevent: message\r\ndata: x\r\n\r\n',
    ]
    const out = await text(
      Readable.from(input).pipe(rewriteSseData((data) => data.replace('1', '2').replace('x', 'y'))),
    )
    expect(out).toBe(
      'id: 7\nretry: 500\ndata: {"a":2}\n\n: keep-alive\n\nevent: message\r\ndata: y\r\n\r\n',
    )
  })

  it('joins multi-line data before rewriting', async () => {
    const out = await text(
      Readable.from(['data: line1\ndata: line2\n\n']).pipe(
        rewriteSseData((data) => data.toUpperCase()),
      ),
    )
    expect(out).toBe('data: LINE1\ndata: LINE2\n\n')
  })
})
