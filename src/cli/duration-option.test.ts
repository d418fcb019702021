import { describe, expect, it } from 'vitest'
import { parseDuration } from './options.js'

describe('durations on the command line', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect([
      parseDuration('90s'),
      parseDuration('15m'),
      parseDuration('1h'),
      parseDuration('2d'),
    ]).toEqual([90_000, 900_000, 3_600_000, 172_800_000])
  })

  it.each(['5x', '1', 'h', '1.5h', '-1h', ' 1h', '0m', '1h30m'])(
    'refuses %j and says what a duration looks like',
    (value) => {
      expect(() => parseDuration(value)).toThrow(
        /is not a duration: give a whole number and a unit, s, m, h or d/,
      )
    },
  )
})
