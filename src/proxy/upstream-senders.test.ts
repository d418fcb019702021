import { describe, expect, it } from 'vitest'
import { sendUpstream } from './forward.js'
import { createUpstreamSenders } from './upstream-senders.js'

describe('createUpstreamSenders', () => {
  it('uses Streamable HTTP unless the server is configured for sse, one legacy sender per server', async () => {
    const senders = createUpstreamSenders()
    expect(senders.senderFor('a', { url: 'https://a.example/mcp', auth: 'none' })).toBe(
      sendUpstream,
    )
    expect(
      senders.senderFor('a', { url: 'https://a.example/mcp', auth: 'none', transport: 'http' }),
    ).toBe(sendUpstream)
    const legacy = senders.senderFor('b', {
      url: 'https://b.example/sse',
      auth: 'none',
      transport: 'sse',
    })
    expect(legacy).not.toBe(sendUpstream)
    expect(
      senders.senderFor('b', { url: 'https://b.example/sse', auth: 'none', transport: 'sse' }),
    ).toBe(legacy)
    expect(
      senders.senderFor('b', { url: 'https://b.example/sse2', auth: 'none', transport: 'sse' }),
    ).not.toBe(legacy)
    await senders.close()
  })
})
