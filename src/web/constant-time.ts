// Secrets compared in constant time: the bridge's access token, login nonces and CSRF tokens.
// A plain `===` returns at the first differing byte, which tells a caller who can time many tries
// how much of a guess was right.
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Whether the request carries the bridge's own access token (compared in constant time). */
export function hasBridgeToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization
  if (typeof header !== 'string' || !/^bearer /i.test(header)) return false
  return equalBytes(Buffer.from(header.slice(7).trim()), bytesOf(token))
}

export function constantTimeEqual(a: string, b: string): boolean {
  return equalBytes(Buffer.from(a), Buffer.from(b))
}

function equalBytes(left: Buffer, right: Buffer): boolean {
  return left.length === right.length && timingSafeEqual(left, right)
}

/** The bridge token's bytes, kept while the token stays the same: it is compared on every request. */
let expected: { token: string; bytes: Buffer } | undefined

function bytesOf(token: string): Buffer {
  if (expected?.token !== token) expected = { token, bytes: Buffer.from(token) }
  return expected.bytes
}
