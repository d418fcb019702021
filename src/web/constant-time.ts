// Secrets compared in constant time: the bridge's access token, login nonces and CSRF tokens.
// A plain `===` returns at the first differing byte, which tells a caller who can time many tries
// how much of a guess was right.
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Whether the request carries the bridge's own access token (compared in constant time). */
export function hasBridgeToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization
  if (typeof header !== 'string' || !/^bearer /i.test(header)) return false
  return constantTimeEqual(header.slice(7).trim(), token)
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
