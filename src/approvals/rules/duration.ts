// Durations a person types (`90s`, `15m`, `1h`, `8h`, `2d`) and the end times shown back to them.
import { BridgeError, quote } from '../../errors.js'
import { command } from '../../cli/commands-named.js'

/** A window longer than this is a standing rule in disguise: set a plain rule instead. */
export const MAX_WINDOW_SECONDS = 30 * 24 * 3600

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** Seconds in `text`; bad usage (exit 2) for anything else, with the reason. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,7})([smhd])$/.exec(text.trim())
  if (!match) {
    throw new BridgeError('BAD_USAGE', `${quote(text)} is not a duration.`, {
      hint: 'Give a whole number and a unit: 90s, 15m, 1h, 8h or 2d.',
    })
  }
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number)
  if (seconds <= 0)
    throw new BridgeError('BAD_USAGE', `${quote(text)} is no time at all.`, {
      hint: 'Give a window of at least one second, e.g. 15m or 1h.',
    })
  if (seconds > MAX_WINDOW_SECONDS) {
    throw new BridgeError(
      'BAD_USAGE',
      `${quote(text)} is longer than the 30 days a window may last.`,
      {
        hint: `For longer, set a plain rule: ${command('policy <server> <tool> allow')}`,
      },
    )
  }
  return seconds
}

/** "14:05 (in 42 min)": local time to the minute, the date too when it is not today. */
export function describeEnd(until: number, now: number = Date.now()): string {
  const end = new Date(until)
  const time = `${pad(end.getHours())}:${pad(end.getMinutes())}`
  const sameDay = new Date(now).toDateString() === end.toDateString()
  const when = sameDay
    ? time
    : `${end.getFullYear()}-${pad(end.getMonth() + 1)}-${pad(end.getDate())} ${time}`
  return `${when} (${describeRemaining(until - now)})`
}

/** Local time to the minute, for the short rule names in the decision log. */
export function clockTime(at: number): string {
  const date = new Date(at)
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`
}

export function describeRemaining(ms: number): string {
  if (ms <= 0) return 'ended'
  const minutes = Math.ceil(ms / 60_000)
  if (minutes < 60) return `in ${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `in ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`
  return `in ${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`
}

function pad(value: number): string {
  return String(value).padStart(2, '0')
}
