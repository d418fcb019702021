import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { ClientGone } from './client-gone.js'

function response(finished: boolean): ServerResponse & EventEmitter {
  return Object.assign(new EventEmitter(), {
    writableFinished: finished,
  }) as unknown as ServerResponse & EventEmitter
}

describe('ClientGone', () => {
  it('tells its listeners and aborts its signal when the client leaves before the answer is done', () => {
    const res = response(false)
    const gone = new ClientGone(res)
    const heard: string[] = []
    gone.onGone(() => heard.push('listener'))
    const signal = gone.signal
    res.emit('close')
    expect(heard).toEqual(['listener'])
    expect(signal.aborted).toBe(true)
    expect(gone.gone).toBe(true)
    gone.onGone(() => heard.push('late'))
    expect(heard).toEqual(['listener', 'late'])
  })

  it('stays quiet when the connection closes after a complete answer', () => {
    const res = response(true)
    const gone = new ClientGone(res)
    let heard = false
    gone.onGone(() => (heard = true))
    res.emit('close')
    expect(heard).toBe(false)
    expect(gone.signal.aborted).toBe(false)
  })

  it('hands out an already aborted signal when asked after the client left', () => {
    const res = response(false)
    const gone = new ClientGone(res)
    res.emit('close')
    expect(gone.signal.aborted).toBe(true)
  })
})
