// Keeps a pending authorization across the owner's sign-in: the sign-in notice leaves a short
// cookie naming the request, and the login link, once redeemed, continues there instead of the
// dashboard. Only a consent path built here is ever a destination, so it is no open redirect.
import type { IncomingMessage } from 'node:http'
import { CONSENT_PATH } from './consent-page.js'
import { PENDING_SECONDS } from './credentials.js'

const RETURN_COOKIE = 'mcp_oauth_bridge_return'

export function returnCookie(requestId: string): string {
  return `${RETURN_COOKIE}=${requestId}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${PENDING_SECONDS}`
}

export function clearedReturnCookie(): string {
  return `${RETURN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`
}

/** Where a fresh sign-in continues: the consent page of a request still waiting, else nothing. */
export function returnPathAfterLogin(
  req: IncomingMessage,
  isWaiting: (requestId: string) => boolean,
): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, value] = part.trim().split('=')
    if (key === RETURN_COOKIE && value && /^[0-9a-f]{24}$/.test(value) && isWaiting(value))
      return `${CONSENT_PATH}?request=${value}`
  }
  return undefined
}
