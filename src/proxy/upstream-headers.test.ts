import { describe, expect, it } from 'vitest'
import { clientResponseHeaders, upstreamHeaders } from './upstream-headers.js'
import type { UpstreamRequest } from './upstream.js'
import { upstreamRequest } from '../../test/support/upstream-request.js'

const request = (fields: Partial<UpstreamRequest>): UpstreamRequest =>
  upstreamRequest('https://mcp.example.com/mcp', fields)

describe('the headers the upstream gets', () => {
  const client = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
    'mcp-session-id': 's1',
    'mcp-method': 'tools/call',
    'mcp-param-region': 'eu',
    authorization: 'Bearer bridge-token',
    cookie: 'session=1',
    origin: 'http://localhost:3000',
    'x-forwarded-for': '10.0.0.1',
  }

  it('passes every Mcp-* header and the content headers, never the client’s Authorization, cookies or Origin', () => {
    expect(upstreamHeaders(request({ clientHeaders: client, token: 'upstream' }))).toEqual({
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-session-id': 's1',
      'mcp-method': 'tools/call',
      'mcp-param-region': 'eu',
      authorization: 'Bearer upstream',
    })
  })

  it('lets the bearer token win over a static Authorization of any case, and keeps it without a token', () => {
    const staticHeaders = { Authorization: 'Bearer static', 'X-Api-Version': '2' }
    for (let round = 0; round < 2; round++) {
      // The second round reads what the first one worked out for these static headers.
      expect(upstreamHeaders(request({ staticHeaders, token: 'upstream' }))).toEqual({
        'X-Api-Version': '2',
        authorization: 'Bearer upstream',
      })
    }
    expect(upstreamHeaders(request({ staticHeaders }))).toEqual(staticHeaders)
    expect(staticHeaders).toEqual({ Authorization: 'Bearer static', 'X-Api-Version': '2' })
  })

  it('drops hop-by-hop headers and the upstream’s own auth details from the answer', () => {
    expect(
      clientResponseHeaders({
        'content-type': 'text/event-stream',
        'mcp-session-id': 's1',
        connection: 'keep-alive',
        'www-authenticate': 'Bearer error="invalid_token"',
        'set-cookie': ['a=1'],
      }),
    ).toEqual({ 'content-type': 'text/event-stream', 'mcp-session-id': 's1' })
  })
})
