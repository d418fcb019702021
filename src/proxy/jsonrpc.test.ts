import { describe, expect, it } from 'vitest'
import { methodLabel, parseBody, toolCallName } from './jsonrpc.js'

describe('JSON-RPC inspection', () => {
  it('finds tool calls in single messages and batches', () => {
    const single = parseBody(
      Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"pay"}}'),
    )
    expect(single.kind === 'single' && toolCallName(single.message)).toBe('pay')
    const batch = parseBody(
      Buffer.from(
        '[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}}]',
      ),
    )
    expect(batch.kind).toBe('batch')
    if (batch.kind === 'batch')
      expect(batch.messages.map(methodLabel)).toEqual(['tools/list', 'tools/call x'])
  })

  it('calls malformed bodies what they are', () => {
    expect(parseBody(Buffer.from('{nope'))).toEqual({
      kind: 'invalid',
      reason: 'the body is not valid JSON',
    })
    expect(parseBody(Buffer.from('[]')).kind).toBe('invalid')
    expect(parseBody(Buffer.from('[1,2]')).kind).toBe('invalid')
    expect(parseBody(Buffer.from('"text"')).kind).toBe('invalid')
    expect(parseBody(Buffer.alloc(0)).kind).toBe('empty')
  })

  it('does not treat a notification named tools/call as a call', () => {
    const message = { jsonrpc: '2.0', method: 'tools/call', params: { name: 'x' } }
    expect(toolCallName(message)).toBeUndefined()
  })
})
