// Who may talk to the bridge at the HTTP level. Loopback is no boundary by itself: a web page
// in the user's browser can send requests to 127.0.0.1, and DNS rebinding can make one look
// same-origin. So the Host must be our own loopback name, and an Origin, when sent, our own.
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export interface GuardVerdict {
  ok: boolean
  reason?: string
}

export function loopbackAuthorities(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
}

export function checkHostAndOrigin(req: IncomingMessage, allowed: Set<string>): GuardVerdict {
  const host = req.headers.host?.toLowerCase()
  if (!host || !allowed.has(host)) {
    return { ok: false, reason: `Host ${JSON.stringify(host ?? '')} is not this bridge's address` }
  }
  const origin = req.headers.origin
  if (origin !== undefined) {
    let authority: string | undefined
    try {
      const url = new URL(origin)
      authority = url.protocol === 'http:' ? url.host.toLowerCase() : undefined
    } catch {
      authority = undefined
    }
    if (!authority || !allowed.has(authority)) {
      return { ok: false, reason: `requests from ${JSON.stringify(origin)} are not allowed` }
    }
  }
  return { ok: true }
}

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
