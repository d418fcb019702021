import { describe, expect, it } from 'vitest'
import { readSseEvents, type SseEvent } from './sse-reader.js'

async function collect(chunks: string[]): Promise<SseEvent[]> {
  const encoder = new TextEncoder()
  async function* body() {
    for (const chunk of chunks) yield encoder.encode(chunk)
  }
  const events: SseEvent[] = []
  for await (const event of readSseEvents(body())) events.push(event)
  return events
}

describe('readSseEvents', () => {
  it('splits events on blank lines with any line end, across chunk borders, skipping comments', async () => {
    const events = await collect([
      'event: snap',
      'shot\ndata: {"a":',
      '1}\n\n: keep-alive\n\r',
      '\nevent: added\r\ndata: x\r\ndata: y\r\n\r',
      '\ndata:z\r\r',
    ])
    expect(events).toEqual([
      { event: 'snapshot', data: '{"a":1}' },
      { event: 'added', data: 'x\ny' },
      { event: 'message', data: 'z' },
    ])
  })

  it('drops an event the stream ended in the middle of', async () => {
    expect(await collect(['event: added\ndata: {"half"'])).toEqual([])
  })
})
