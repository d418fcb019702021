// What a token is once the bridge holds it: the token response with its relative `expires_in`
// turned into an absolute time, so any later reader can tell whether it is still fresh.
import type { OAuthTokens } from '@modelcontextprotocol/client'

export interface StoredTokens extends OAuthTokens {
  /** Absolute expiry (ms since epoch), computed from expires_in when the tokens arrived. */
  expires_at?: number
  obtained_at: number
  /** The authorization server that issued them; a refresh token goes to no other. */
  issuer?: string
}

/** Turns a token response into what we keep: the relative `expires_in` becomes an absolute time. */
export function fromTokenResponse(
  tokens: OAuthTokens & { issuer?: string },
  now: number,
): StoredTokens {
  const stored: StoredTokens = { ...tokens, obtained_at: now }
  if (typeof tokens.expires_in === 'number' && Number.isFinite(tokens.expires_in)) {
    stored.expires_at = now + tokens.expires_in * 1000
  }
  return stored
}
