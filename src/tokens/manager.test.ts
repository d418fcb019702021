import { describe, expect, it } from 'vitest'
import { isFresh } from './manager.js'

describe('refresh ahead of expiry', () => {
  const hour = 3_600_000
  it('refreshes in the last minute of a long-lived token', () => {
    expect(isFresh({ obtained_at: 0, expires_at: hour }, hour - 61_000)).toBe(true)
    expect(isFresh({ obtained_at: 0, expires_at: hour }, hour - 59_000)).toBe(false)
  })
  it('refreshes in the last tenth of a short-lived token', () => {
    expect(isFresh({ obtained_at: 0, expires_at: 10_000 }, 8_900)).toBe(true)
    expect(isFresh({ obtained_at: 0, expires_at: 10_000 }, 9_100)).toBe(false)
  })
  it('treats a token without expiry as fresh until the server rejects it', () => {
    expect(isFresh({ obtained_at: 0 }, Number.MAX_SAFE_INTEGER)).toBe(true)
  })
})
