import { PassThrough } from 'node:stream'
import { text } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import { ApprovedRounds } from '../approvals/approved-rounds.js'
import { watchForInputRequired } from './round-watch.js'

const inputRequired = {
  jsonrpc: '2.0',
  id: 3,
  result: { resultType: 'input_required', inputRequests: {}, requestState: 'opaque==' },
}

function answer(contentType: string, body: string) {
  const stream = new PassThrough()
  stream.end(body)
  return { statusCode: 200, headers: { 'content-type': contentType }, body: stream }
}

describe('watching an approved call for another round', () => {
  it('finds the requestState in a JSON or SSE answer and passes the bytes unchanged', async () => {
    for (const [type, body] of [
      ['application/json', JSON.stringify(inputRequired)],
      [
        'text/event-stream',
        `event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\nevent: message\ndata: ${JSON.stringify(inputRequired)}\n\n`,
      ],
    ] as const) {
      const seen: string[] = []
      const watched = watchForInputRequired(answer(type, body), 3, (state) => seen.push(state))
      expect(await text(watched.body)).toBe(body)
      expect(seen).toEqual(['opaque=='])
    }
    const seen: string[] = []
    await text(
      watchForInputRequired(
        answer('application/json', JSON.stringify({ ...inputRequired, id: 4 })),
        3,
        (state) => seen.push(state),
      ).body,
    )
    expect(seen).toEqual([])
  })

  it('closes the upstream body when the client side closes (the 2026-07-28 cancel)', async () => {
    const upstream = new PassThrough()
    const watched = watchForInputRequired(
      { statusCode: 200, headers: { 'content-type': 'text/event-stream' }, body: upstream },
      1,
      () => undefined,
    )
    watched.body.destroy()
    await new Promise((resolve) => upstream.once('close', resolve))
    expect(upstream.destroyed).toBe(true)
  })

  it('lets a continuation pass once, for the same call only', () => {
    const rounds = new ApprovedRounds()
    rounds.remember('up', 'transfer', { amount: 5, to: 'a' }, 'step-1')
    expect(rounds.consume('up', 'transfer', { amount: 500, to: 'a' }, 'step-1')).toBe(false)
    expect(rounds.consume('up', 'transfer', { amount: 5, to: 'a' }, 'step-2')).toBe(false)
    expect(rounds.consume('up', 'transfer', { to: 'a', amount: 5 }, 'step-1')).toBe(true)
    expect(rounds.consume('up', 'transfer', { amount: 5, to: 'a' }, 'step-1')).toBe(false)
    rounds.remember('up', 'transfer', {}, 'late', 0)
    expect(rounds.consume('up', 'transfer', {}, 'late', 11 * 60 * 1000)).toBe(false)
  })
})
