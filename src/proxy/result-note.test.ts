import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import { addNotes, withResultNotes } from './result-note.js'

const NOTE = 'Note from the bridge: the person changed $.city.'
const notes = new Map<string | number | null, string>([[1, NOTE]])
const result = {
  content: [{ type: 'text', text: 'booked Lyon' }],
  structuredContent: { city: 'Lyon' },
}

describe("the note in an edited call's result", () => {
  it('is appended as a text block, structuredContent untouched', () => {
    const answer = JSON.parse(addNotes(JSON.stringify({ jsonrpc: '2.0', id: 1, result }), notes))
    expect(answer.result.content).toEqual([
      { type: 'text', text: 'booked Lyon' },
      { type: 'text', text: NOTE },
    ])
    expect(answer.result.structuredContent).toEqual({ city: 'Lyon' })
  })

  it('goes to that call only in a batch answer, and never into errors or results without content', () => {
    const batch = [
      { jsonrpc: '2.0', id: 2, result },
      { jsonrpc: '2.0', id: 1, result },
    ]
    const answers = JSON.parse(addNotes(JSON.stringify(batch), notes))
    expect(answers[0]).toEqual(batch[0])
    expect(answers[1].result.content).toHaveLength(2)
    for (const untouched of [
      { jsonrpc: '2.0', id: 1, error: { code: -1, message: 'x' } },
      { jsonrpc: '2.0', id: 1, result: { resultType: 'input_required', requestState: 's' } },
      'not json',
    ]) {
      const body = typeof untouched === 'string' ? untouched : JSON.stringify(untouched)
      expect(addNotes(body, notes)).toBe(body)
    }
  })

  it('rewrites the one SSE event that answers the call, and drops the stale Content-Length of a JSON answer', async () => {
    const events = `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } })}\n\nid: 9\nevent: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result })}\n\n`
    const sse = withResultNotes(
      {
        statusCode: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: Readable.from([Buffer.from(events.slice(0, 50)), Buffer.from(events.slice(50))]),
      },
      notes,
    )
    const [progress, answer] = (await text(sse.body)).split('\n\n')
    expect(progress).toBe(events.split('\n\n')[0])
    expect(answer).toMatch(/^id: 9\nevent: message\ndata: /)
    expect(JSON.parse(answer!.split('data: ')[1]!).result.content[1]).toEqual({
      type: 'text',
      text: NOTE,
    })

    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, result })
    const json = withResultNotes(
      {
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        body: Readable.from([Buffer.from(body)]),
      },
      notes,
    )
    expect(json.headers['content-length']).toBeUndefined()
    expect(JSON.parse(await text(json.body)).result.content[1].text).toBe(NOTE)
  })

  it('leaves answers other than 200 alone', () => {
    const upstream = { statusCode: 404, headers: {}, body: Readable.from([]) }
    expect(withResultNotes(upstream, notes)).toBe(upstream)
  })
})
