// Which redirect URIs a client may register and use. Loopback http on any port (RFC 8252 §7.3:
// native apps pick a free port for each login, so the port is not compared) and https, which
// the consent page shows with a warning because the code then leaves this machine. Anything
// else (plain http to another host, custom schemes, fragments) is refused at registration.
import { isLoopbackHost } from '../oauth/safe-url.js'

export type RedirectKind = 'loopback' | 'https'

export class RedirectUriError extends Error {}

export function classifyRedirectUri(uri: unknown): RedirectKind {
  if (typeof uri !== 'string' || uri.length > 2000)
    throw new RedirectUriError('A redirect_uri must be a string of at most 2000 characters.')
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new RedirectUriError(`The redirect_uri ${JSON.stringify(uri)} is not an absolute URL.`)
  }
  // RFC 6749 §3.1.2: no fragment; credentials in a URL have no business here either.
  if (url.hash || uri.includes('#'))
    throw new RedirectUriError(
      `The redirect_uri ${JSON.stringify(uri)} must not have a fragment (RFC 6749 §3.1.2).`,
    )
  if (url.username || url.password)
    throw new RedirectUriError(
      `The redirect_uri ${JSON.stringify(uri)} must not carry credentials.`,
    )
  if (url.protocol === 'https:') return 'https'
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return 'loopback'
  throw new RedirectUriError(
    `The redirect_uri ${JSON.stringify(uri)} is refused: this bridge accepts http only to this machine (127.0.0.1, localhost or [::1], any port; RFC 8252 §7.3) and https.`,
  )
}

/** Every URI must pass; at least one is required (RFC 7591 §2 for clients using the code grant). */
export function checkRedirectUris(uris: unknown): string[] {
  if (!Array.isArray(uris) || uris.length === 0)
    throw new RedirectUriError('redirect_uris must list at least one URI.')
  if (uris.length > 20) throw new RedirectUriError('redirect_uris lists more than 20 URIs.')
  for (const uri of uris) classifyRedirectUri(uri)
  return uris as string[]
}

/**
 * Whether `requested` is one of `registered`: exact string match (OAuth 2.1 §4.1.1), except
 * that a loopback URI matches on any port (RFC 8252 §7.3).
 */
export function isRegisteredRedirect(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true
  let asked: URL
  try {
    asked = new URL(requested)
  } catch {
    return false
  }
  if (asked.protocol !== 'http:' || !isLoopbackHost(asked.hostname)) return false
  return registered.some((candidate) => {
    try {
      const known = new URL(candidate)
      return (
        known.protocol === 'http:' &&
        known.hostname === asked.hostname &&
        known.pathname === asked.pathname &&
        known.search === asked.search
      )
    } catch {
      return false
    }
  })
}
