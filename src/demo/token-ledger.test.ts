import { describe, expect, it } from 'vitest'
import {
  ACCESS_TOKEN_TTL_SECONDS,
  AUTHORIZATION_CODE_TTL_SECONDS,
  TokenLedger,
  isSameResource,
} from './token-ledger.js'

const RESOURCE = new URL('http://127.0.0.1:4000/mcp')

function ledgerAt(start = 1_000_000): { ledger: TokenLedger; advance(seconds: number): void } {
  let now = start
  return {
    ledger: new TokenLedger({ now: () => now }),
    advance: (seconds) => (now += seconds * 1000),
  }
}

function codeFor(ledger: TokenLedger, clientId = 'client-a'): string {
  const grant = ledger.openGrant({ clientId, scopes: ['mcp:tools'], resource: RESOURCE })
  return ledger.issueCode(grant, {
    codeChallenge: 'challenge',
    redirectUri: 'http://127.0.0.1:5000/callback',
  })
}

describe('TokenLedger', () => {
  it('redeems a code once; a replay revokes the tokens it produced (RFC 6749 §4.1.2)', () => {
    const { ledger } = ledgerAt()
    const code = codeFor(ledger)
    const redeemed = ledger.redeemCode(code, 'client-a')
    if (redeemed.kind !== 'ok') throw new Error(redeemed.kind)
    const tokens = ledger.issueTokens(redeemed.record.grant)
    expect(ledger.findAccessToken(tokens.accessToken)).toBeDefined()
    expect(ledger.redeemCode(code, 'client-a').kind).toBe('replayed')
    expect(ledger.findAccessToken(tokens.accessToken)).toBeUndefined()
    expect(ledger.rotateRefreshToken(tokens.refreshToken, 'client-a').kind).toBe('unknown')
  })

  it('refuses a code of another client, and an expired code', () => {
    const { ledger, advance } = ledgerAt()
    expect(ledger.redeemCode(codeFor(ledger), 'client-b').kind).toBe('wrong-client')
    const code = codeFor(ledger)
    advance(AUTHORIZATION_CODE_TTL_SECONDS)
    expect(ledger.redeemCode(code, 'client-a').kind).toBe('expired')
  })

  it('expires access tokens after an hour', () => {
    const { ledger, advance } = ledgerAt()
    const tokens = ledger.issueTokens(
      ledger.openGrant({ clientId: 'client-a', scopes: ['mcp:tools'], resource: RESOURCE }),
    )
    advance(ACCESS_TOKEN_TTL_SECONDS - 1)
    expect(ledger.findAccessToken(tokens.accessToken)).toBeDefined()
    advance(1)
    expect(ledger.findAccessToken(tokens.accessToken)).toBeUndefined()
  })

  it('rotates refresh tokens, may narrow but never widen the scope, and keeps the token on a refused refresh', () => {
    const { ledger } = ledgerAt()
    const grant = ledger.openGrant({
      clientId: 'client-a',
      scopes: ['mcp:tools', 'extra'],
      resource: RESOURCE,
    })
    const first = ledger.issueTokens(grant)
    expect(
      ledger.rotateRefreshToken(first.refreshToken, 'client-a', { scopes: ['admin'] }),
    ).toEqual({ kind: 'widened', extra: ['admin'] })
    expect(
      ledger.rotateRefreshToken(first.refreshToken, 'client-a', {
        resource: new URL('http://127.0.0.1:1/other'),
      }).kind,
    ).toBe('wrong-resource')
    const rotated = ledger.rotateRefreshToken(first.refreshToken, 'client-a', {
      scopes: ['mcp:tools'],
    })
    if (rotated.kind !== 'ok') throw new Error(rotated.kind)
    expect(rotated.tokens.scopes).toEqual(['mcp:tools'])
    expect(ledger.findAccessToken(rotated.tokens.accessToken)?.scopes).toEqual(['mcp:tools'])
  })

  it('revokes the whole grant for a refresh token, only the token for an access token, nothing for another client', () => {
    const { ledger } = ledgerAt()
    const grant = ledger.openGrant({
      clientId: 'client-a',
      scopes: ['mcp:tools'],
      resource: RESOURCE,
    })
    const tokens = ledger.issueTokens(grant)
    ledger.revokeToken(tokens.refreshToken, 'client-b')
    expect(ledger.findAccessToken(tokens.accessToken)).toBeDefined()
    const other = ledger.issueTokens(grant)
    ledger.revokeToken(other.accessToken, 'client-a')
    expect(ledger.findAccessToken(other.accessToken)).toBeUndefined()
    expect(ledger.findAccessToken(tokens.accessToken)).toBeDefined()
    ledger.revokeToken(tokens.refreshToken, 'client-a')
    expect(ledger.findAccessToken(tokens.accessToken)).toBeUndefined()
    expect(grant.isRevoked).toBe(true)
  })
})

describe('isSameResource', () => {
  it('ignores a fragment and one trailing slash, nothing else', () => {
    expect(isSameResource(new URL('http://127.0.0.1:4000/mcp/#x'), RESOURCE)).toBe(true)
    expect(isSameResource(new URL('http://127.0.0.1:4000/mcp2'), RESOURCE)).toBe(false)
    expect(isSameResource(new URL('http://localhost:4000/mcp'), RESOURCE)).toBe(false)
  })
})
