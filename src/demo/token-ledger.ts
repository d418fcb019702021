// The demo authorization server's memory of what it issued: grants (one per consent), their
// authorization codes, access tokens and refresh tokens. Plain bookkeeping with no OAuth errors
// and no HTTP; demo-oauth-provider.ts turns its answers into protocol responses.
import { randomBytes } from 'node:crypto'

export const ACCESS_TOKEN_TTL_SECONDS = 60 * 60
/** RFC 6749 §4.1.2 recommends at most 10 minutes; a loopback redirect needs far less. */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60

/** What a person agreed to on the consent page: every code and token below hangs off one. */
export interface Grant {
  id: string
  clientId: string
  scopes: string[]
  /** RFC 8707: the one resource (the MCP URL) every token of this grant is good for. */
  resource: URL
  isRevoked: boolean
}

export interface AuthorizationCodeRecord {
  grant: Grant
  codeChallenge: string
  redirectUri: string
  expiresAt: number
  isRedeemed: boolean
}

export interface AccessTokenRecord {
  token: string
  grant: Grant
  /** The grant's scopes, or fewer when a refresh asked for less (RFC 6749 §6). */
  scopes: string[]
  expiresAt: number
}

export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  expiresInSeconds: number
  scopes: string[]
}

export type RedeemOutcome =
  | { kind: 'ok'; record: AuthorizationCodeRecord }
  | { kind: 'unknown' | 'expired' | 'wrong-client' }
  /** The code was used before: per RFC 6749 §4.1.2 the grant it produced is revoked. */
  | { kind: 'replayed' }

export type RotateOutcome =
  | { kind: 'ok'; grant: Grant; tokens: IssuedTokens }
  | { kind: 'unknown' | 'wrong-client' }
  /** A rotated-out refresh token came back: someone holds a copy, so the grant is revoked (OAuth 2.1 §4.3.1). */
  | { kind: 'replayed' }
  /** RFC 6749 §6: a refresh may narrow the scope, never widen it. The refresh token stays valid. */
  | { kind: 'widened'; extra: string[] }
  /** RFC 8707: the request names another resource than the grant's. The refresh token stays valid. */
  | { kind: 'wrong-resource'; bound: URL }

export class TokenLedger {
  readonly #now: () => number
  readonly #codes = new Map<string, AuthorizationCodeRecord>()
  readonly #accessTokens = new Map<string, AccessTokenRecord>()
  /** Refresh token → its grant, and whether it was already exchanged for a successor. */
  readonly #refreshTokens = new Map<string, { grant: Grant; isRotated: boolean }>()

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  openGrant(details: { clientId: string; scopes: string[]; resource: URL }): Grant {
    return { id: newSecret('grant'), ...details, isRevoked: false }
  }

  issueCode(grant: Grant, details: { codeChallenge: string; redirectUri: string }): string {
    this.#forgetExpired()
    const code = newSecret('demo_code')
    this.#codes.set(code, {
      grant,
      ...details,
      expiresAt: this.#now() + AUTHORIZATION_CODE_TTL_SECONDS * 1000,
      isRedeemed: false,
    })
    return code
  }

  /** Looks a code up without using it (the SDK asks for the PKCE challenge before the exchange). */
  peekCode(code: string, clientId: string): AuthorizationCodeRecord | undefined {
    const record = this.#codes.get(code)
    return record && record.grant.clientId === clientId && !record.isRedeemed ? record : undefined
  }

  redeemCode(code: string, clientId: string): RedeemOutcome {
    const record = this.#codes.get(code)
    if (!record) return { kind: 'unknown' }
    if (record.grant.clientId !== clientId) return { kind: 'wrong-client' }
    if (record.isRedeemed) {
      this.revokeGrant(record.grant)
      return { kind: 'replayed' }
    }
    if (record.expiresAt <= this.#now()) return { kind: 'expired' }
    record.isRedeemed = true
    return { kind: 'ok', record }
  }

  issueTokens(grant: Grant, scopes: string[] = grant.scopes): IssuedTokens {
    const accessToken = newSecret('demo_at')
    const refreshToken = newSecret('demo_rt')
    this.#accessTokens.set(accessToken, {
      token: accessToken,
      grant,
      scopes,
      expiresAt: this.#now() + ACCESS_TOKEN_TTL_SECONDS * 1000,
    })
    // The refresh token always carries the whole grant, so a narrower refresh can widen again later.
    this.#refreshTokens.set(refreshToken, { grant, isRotated: false })
    return { accessToken, refreshToken, expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS, scopes }
  }

  /** Exchanges a refresh token for a new pair; the old refresh token is spent (rotation). */
  rotateRefreshToken(
    refreshToken: string,
    clientId: string,
    asked: { scopes?: string[]; resource?: URL } = {},
  ): RotateOutcome {
    const entry = this.#refreshTokens.get(refreshToken)
    if (!entry) return { kind: 'unknown' }
    if (entry.grant.clientId !== clientId) return { kind: 'wrong-client' }
    if (entry.isRotated) {
      this.revokeGrant(entry.grant)
      return { kind: 'replayed' }
    }
    const extra = (asked.scopes ?? []).filter((scope) => !entry.grant.scopes.includes(scope))
    if (extra.length > 0) return { kind: 'widened', extra }
    if (asked.resource && !isSameResource(asked.resource, entry.grant.resource))
      return { kind: 'wrong-resource', bound: entry.grant.resource }
    entry.isRotated = true
    return { kind: 'ok', grant: entry.grant, tokens: this.issueTokens(entry.grant, asked.scopes) }
  }

  /** A live access token, or undefined when it is unknown, expired or revoked. */
  findAccessToken(token: string): AccessTokenRecord | undefined {
    const record = this.#accessTokens.get(token)
    if (!record || record.grant.isRevoked || record.expiresAt <= this.#now()) return undefined
    return record
  }

  /**
   * RFC 7009 §2.1: revoking a refresh token ends its whole grant; revoking an access token ends
   * only that token. Tokens of other clients and unknown tokens are left alone, without an error.
   */
  revokeToken(token: string, clientId: string): void {
    const refresh = this.#refreshTokens.get(token)
    if (refresh && refresh.grant.clientId === clientId) {
      this.revokeGrant(refresh.grant)
      return
    }
    const access = this.#accessTokens.get(token)
    if (access && access.grant.clientId === clientId) this.#accessTokens.delete(token)
  }

  revokeGrant(grant: Grant): void {
    grant.isRevoked = true
    for (const [token, record] of this.#accessTokens)
      if (record.grant === grant) this.#accessTokens.delete(token)
    for (const [token, record] of this.#refreshTokens)
      if (record.grant === grant) this.#refreshTokens.delete(token)
  }

  /** Keeps memory bounded over a long demo session; redeemed codes stay until expiry for replay detection. */
  #forgetExpired(): void {
    const now = this.#now()
    for (const [code, record] of this.#codes) if (record.expiresAt <= now) this.#codes.delete(code)
    for (const [token, record] of this.#accessTokens)
      if (record.expiresAt <= now) this.#accessTokens.delete(token)
  }
}

/** RFC 8707 §2: no fragment; a trailing slash is the same resource to a person, so to us too. */
export function isSameResource(a: URL, b: URL): boolean {
  const comparable = (url: URL) => `${url.origin}${url.pathname.replace(/\/$/, '')}${url.search}`
  return comparable(a) === comparable(b)
}

/** 256 random bits; the prefix only tells a person reading a log what kind of secret it is. */
function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`
}
