// Small parsers for command-line values shared by several commands. The command table
// (command-table.ts) runs them while commander parses, so a bad value exits 2 before anything runs.
import { BridgeError, quote } from '../errors.js'

/** `allowZero`: only for a port to listen on, where 0 asks the system for a free one. */
export function parsePort(value: string, options: { allowZero?: boolean } = {}): number {
  const lowest = options.allowZero ? 0 : 1
  // Digits only: Number() would also take "0x10", "1e3" and " 3000 ".
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isInteger(port) || port < lowest || port > 65535) {
    throw new BridgeError('BAD_USAGE', `${quote(value)} is not a port number (${lowest}-65535).`)
  }
  return port
}

const DURATION_UNITS_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** A span such as `90s`, `15m`, `1h` or `2d`, in milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d{1,9})([smhd])$/.exec(value)
  if (!match || Number(match[1]) === 0) {
    throw new BridgeError(
      'BAD_USAGE',
      `${quote(value)} is not a duration: give a whole number and a unit, s, m, h or d (e.g. 90s, 15m, 1h, 2d).`,
    )
  }
  return Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS]
}
