import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { AnswerWatch } from './answer-watch.js'

function watched(ids: Array<string | number>): { watch: AnswerWatch; body: PassThrough } {
  const body = new PassThrough()
  const watch = new AnswerWatch(ids)
  watch.watch(body)
  return { watch, body }
}

describe('AnswerWatch', () => {
  it('counts a request answered only once its event is complete, whatever the line ends and chunking', () => {
    const { watch, body } = watched([1, '1', 2])
    const text =
      'id: e1\r\ndata: {"jsonrpc":"2.0","id":1,\r\ndata: "result":{}}\r\n\r\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1}}\n\ndata: {"jsonrpc":"2.0","id":"1","error":{"code":-1,"message":"x"}}\r\r'
    for (const char of text.slice(0, 40)) body.write(char)
    expect(watch.owed()).toEqual([1, '1', 2])
    expect(watch.midEvent()).toBe(true)
    body.write(text.slice(40))
    expect(watch.owed()).toEqual([2])
    expect(watch.midEvent()).toBe(false)
  })

  it('takes answers from a batch event, and ignores requests from the server with the same id', () => {
    const { watch, body } = watched([1, 2, 3])
    body.write('data: {"jsonrpc":"2.0","id":3,"method":"sampling/createMessage","params":{}}\n\n')
    body.write(
      'data: [{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"2.0","id":2,"result":{}}]\n\n',
    )
    expect(watch.owed()).toEqual([3])
  })

  it('stops reading once nothing is owed', () => {
    const { watch, body } = watched([1])
    body.write('data: {"jsonrpc":"2.0","id":1,"result":{}}\n\n')
    expect(body.listenerCount('data')).toBe(0)
    expect(watch.owed()).toEqual([])
  })
})
