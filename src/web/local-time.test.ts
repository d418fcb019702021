import { describe, expect, it } from 'vitest'
import { describeLocalTime, localTime, relativeTime } from './local-time.js'

// 2026-12-03 11:00:00.123 UTC: 12:00 in Berlin, 06:00 in New York.
const NOW = Date.UTC(2026, 11, 3, 11, 0, 0, 123)

describe('times on the pages', () => {
  it('shows local time to the minute with a relative time, in the given zone', () => {
    const expiry = NOW + 42 * 60_000 + 30_000
    expect(describeLocalTime(expiry, { now: NOW, timeZone: 'Europe/Berlin' })).toBe(
      '12:42 (in 42 min)',
    )
    expect(describeLocalTime(expiry, { now: NOW, timeZone: 'America/New_York' })).toBe(
      '06:42 (in 42 min)',
    )
    expect(describeLocalTime(NOW - 3 * 3_600_000, { now: NOW, timeZone: 'Europe/Berlin' })).toBe(
      '09:00 (3 h ago)',
    )
    expect(describeLocalTime(NOW + 20 * 3_600_000, { now: NOW, timeZone: 'Europe/Berlin' })).toBe(
      'tomorrow 08:00 (in 20 h)',
    )
    expect(describeLocalTime(NOW + 3 * 86_400_000, { now: NOW, timeZone: 'Europe/Berlin' })).toBe(
      '6 Dec 2026 12:00 (in 3 days)',
    )
  })

  it('uses the process time zone (TZ) when none is given', () => {
    const before = process.env.TZ
    process.env.TZ = 'Asia/Tokyo'
    try {
      expect(describeLocalTime(NOW + 5 * 60_000, { now: NOW })).toBe('20:05 (in 5 min)')
    } finally {
      if (before === undefined) delete process.env.TZ
      else process.env.TZ = before
    }
  })

  it('keeps the exact instant in <time datetime>, never milliseconds in the text', () => {
    const text = localTime(NOW + 60_000, { now: NOW, timeZone: 'UTC' }).text
    expect(text).toBe('<time datetime="2026-12-03T11:01:00.123Z">11:01 (in 1 min)</time>')
  })

  it('words spans', () => {
    expect(relativeTime(10_000)).toBe('just now')
    expect(relativeTime(-5 * 60_000)).toBe('5 min ago')
    expect(relativeTime(2 * 86_400_000)).toBe('in 2 days')
  })
})
