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

  it('closes on reload the legacy senders of servers removed, moved or no longer on sse', async () => {
    const senders = createUpstreamSenders()
    const entry = (url: string) => ({ url, auth: 'none', transport: 'sse' }) as const
    const kept = senders.senderFor('kept', entry('https://kept.example/sse'))
    const removed = senders.senderFor('removed', entry('https://removed.example/sse'))
    const moved = senders.senderFor('moved', entry('https://moved.example/sse'))
    const switched = senders.senderFor('switched', entry('https://switched.example/sse'))
    senders.retain({
      kept: entry('https://kept.example/sse'),
      moved: entry('https://moved.example/sse2'),
      switched: { url: 'https://switched.example/sse', auth: 'none', transport: 'http' },
    })
    // A closed sender is not handed out again: the next request to the name gets a new one.
    expect(senders.senderFor('kept', entry('https://kept.example/sse'))).toBe(kept)
    expect(senders.senderFor('removed', entry('https://removed.example/sse'))).not.toBe(removed)
    expect(senders.senderFor('moved', entry('https://moved.example/sse'))).not.toBe(moved)
    expect(senders.senderFor('switched', entry('https://switched.example/sse'))).not.toBe(switched)
    await senders.close()
  })
})
