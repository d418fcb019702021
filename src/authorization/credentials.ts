// The credentials the bridge issues to MCP clients as their authorization server. They are
// random strings with a recognisable prefix (so people and secret scanners tell them from the
// static bridge token `mob_…` and from upstream tokens); only their SHA-256 is ever stored.
import { createHash, randomBytes } from 'node:crypto'

/** Access tokens live an hour: short enough that a leaked one expires soon, long enough to rarely refresh. */
export const ACCESS_TOKEN_SECONDS = 60 * 60
/** A refresh token not used for 30 days lapses; each use starts a new 30 days (rotation). */
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60
/** OAuth 2.1 §4.1.2: authorization codes are short-lived; a minute covers any honest client. */
export const CODE_SECONDS = 60
/** How long an authorization request waits on the consent page (including a sign-in first). */
export const PENDING_SECONDS = 15 * 60

export const ACCESS_TOKEN_PREFIX = 'mob_at_'
export const REFRESH_TOKEN_PREFIX = 'mob_rt_'

export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`
}

export function newId(): string {
  return randomBytes(12).toString('hex')
}

/** What is stored instead of a token: enough to recognise it, useless to present. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url')
}

/** RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) must equal the code_challenge (S256). */
export function verifierMatches(verifier: string, challenge: string): boolean {
  // §4.1: 43 to 128 characters from the unreserved set.
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false
  return createHash('sha256').update(verifier).digest('base64url') === challenge
}
