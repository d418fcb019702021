// Small parsers for command-line values shared by several commands.
import { InvalidArgumentError, Option } from 'commander'
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

/**
 * A `--port`-like option whose value is checked while the command line is parsed, so a bad one
 * stops before the command does anything and exits 2, the same way for every command.
 */
export function portOption(flags: string, description: string, options: { allowZero?: boolean } = {}): Option {
  return new Option(flags, description).argParser((value: string) => {
    try {
      return parsePort(value, options)
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message)
    }
  })
}

const DURATION_UNITS_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** A span such as `90s`, `15m`, `1h` or `2d`, in milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d{1,9})([smhd])$/.exec(value)
  if (!match || Number(match[1]) === 0) {
    throw new BridgeError('BAD_USAGE', `${quote(value)} is not a duration: give a whole number and a unit, s, m, h or d (e.g. 90s, 15m, 1h, 2d).`)
  }
  return Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS]
}

/** A `--since`-like option checked while the command line is parsed, as portOption is: a bad value exits 2. */
export function durationOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((value: string) => {
    try {
      return parseDuration(value)
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message)
    }
  })
}
