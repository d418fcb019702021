// Authorization requests waiting on the consent page. Each one carries a CSRF token that must
// come back twice: in the form (only our page can read it) and in a cookie set with the page
// (only the browser that loaded the page sends it). The cookie stops a hostile site from
// submitting consent for an authorization request the attacker started himself.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js'

/** Where the consent form posts; the cookie is scoped to it. */
export const CONSENT_PATH = '/consent'
export const CONSENT_TTL_SECONDS = 10 * 60

export interface PendingConsent {
  id: string
  csrfToken: string
  client: OAuthClientInformationFull
  redirectUri: string
  state: string | undefined
  codeChallenge: string
  scopes: string[]
  resource: URL
  expiresAt: number
}

export type TakeOutcome =
  { kind: 'ok'; consent: PendingConsent } | { kind: 'unknown' | 'expired' | 'forged' }

export class ConsentRequests {
  readonly #now: () => number
  readonly #pending = new Map<string, PendingConsent>()

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  open(details: Omit<PendingConsent, 'id' | 'csrfToken' | 'expiresAt'>): PendingConsent {
    const now = this.#now()
    for (const [id, consent] of this.#pending)
      if (consent.expiresAt <= now) this.#pending.delete(id)
    const consent: PendingConsent = {
      ...details,
      id: randomBytes(16).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: now + CONSENT_TTL_SECONDS * 1000,
    }
    this.#pending.set(consent.id, consent)
    return consent
  }

  /** Hands out a request once, and only when the form's and the cookie's tokens both match it. */
  take(id: string, tokens: { form: string | undefined; cookie: string | undefined }): TakeOutcome {
    const consent = this.#pending.get(id)
    if (!consent) return { kind: 'unknown' }
    if (consent.expiresAt <= this.#now()) {
      this.#pending.delete(id)
      return { kind: 'expired' }
    }
    // A mismatch leaves the request in place: deleting it would let anyone cancel a person's login.
    if (!matches(tokens.form, consent.csrfToken) || !matches(tokens.cookie, consent.csrfToken))
      return { kind: 'forged' }
    this.#pending.delete(id)
    return { kind: 'ok', consent }
  }
}

/** One cookie per request, so two logins open in two tabs do not overwrite each other's. */
export function consentCookieName(requestId: string): string {
  return `demo_consent_${requestId}`
}

function matches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
