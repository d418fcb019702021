import { describe, expect, it } from 'vitest'
import { formatLogLine, redactBody } from './request-log.js'

describe('request log', () => {
  it('redacts secret-looking fields and known tokens from bodies', () => {
    const body = Buffer.from(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'pay',
          arguments: {
            api_key: 'sk_live_abc',
            note: 'uses mob_0123456789abcdef',
            nested: { password: 'hunter2' },
          },
        },
      }),
    )
    const line = redactBody(body, ['mob_0123456789abcdef'])
    expect(line).not.toContain('sk_live_abc')
    expect(line).not.toContain('hunter2')
    expect(line).not.toContain('mob_0123456789abcdef')
    expect(line).toContain('"name":"pay"')
  })

  it('formats one line per request', () => {
    const line = formatLogLine(
      { server: 'linear', method: 'tools/call create_issue', status: 200, ms: 12.345 },
      new Date(0),
    )
    expect(line).toBe('1970-01-01T00:00:00.000Z linear tools/call create_issue 200 12.3ms')
  })
})
