// Small parsers for command-line values shared by several commands.
import { BridgeError, quote } from '../errors.js'

export function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BridgeError('BAD_USAGE', `${quote(value)} is not a port number (1-65535).`)
  return port
}
