import { describe, expect, it } from 'vitest'
import type { ServerEntry } from '../config/schema.js'
import { memoryTokenStore } from '../../test/support/memory-token-store.js'
import { isFresh, TokenManager, type TokenRefresh } from './manager.js'
import type { ServerSecrets } from './store.js'
import type { StoredTokens } from './token.js'

describe('refresh ahead of expiry', () => {
  const hour = 3_600_000
  it('refreshes in the last minute of a long-lived token', () => {
    expect(isFresh({ obtained_at: 0, expires_at: hour }, hour - 61_000)).toBe(true)
    expect(isFresh({ obtained_at: 0, expires_at: hour }, hour - 59_000)).toBe(false)
  })
  it('refreshes in the last tenth of a short-lived token', () => {
    expect(isFresh({ obtained_at: 0, expires_at: 10_000 }, 8_900)).toBe(true)
    expect(isFresh({ obtained_at: 0, expires_at: 10_000 }, 9_100)).toBe(false)
  })
  it('treats a token without expiry as fresh until the server rejects it', () => {
    expect(isFresh({ obtained_at: 0 }, Number.MAX_SAFE_INTEGER)).toBe(true)
  })
})

describe('a token the server refused', () => {
  const oauth: ServerEntry = { url: 'https://mcp.example.com/mcp', auth: 'oauth' }
  const manager = (
    secrets: ServerSecrets,
    server: ServerEntry = oauth,
    refresh: TokenRefresh = async () => ({ kind: 'refused', reason: 'invalid_grant' }),
  ) =>
    new TokenManager({
      store: memoryTokenStore(secrets),
      lookupServer: async () => server,
      refresh,
      now: () => 1_000,
    })
  const tokens = (extra: Partial<StoredTokens> = {}): StoredTokens => ({
    access_token: 'old',
    token_type: 'Bearer',
    obtained_at: 0,
    ...extra,
  })

  it('is replaced by a refresh when the grant has a refresh token', async () => {
    const refresh: TokenRefresh = async () => ({
      kind: 'renewed',
      tokens: tokens({ access_token: 'new', refresh_token: 'r2' }),
    })
    const renewing = manager({ tokens: tokens({ refresh_token: 'r1' }) }, oauth, refresh)
    expect(await renewing.replaceRejected('server', 'old')).toBe('replaced')
    expect(await renewing.accessToken('server')).toBe('new')
  })

  it('needs a login, worded for a server never logged in to and one logged out, when it has no token', async () => {
    await expect(manager({}).accessToken('server')).rejects.toThrow(
      '"server" needs a new login: it has no token (never logged in, or logged out).',
    )
  })

  it('needs a new login, said as an outcome, when an OAuth grant has no refresh token', async () => {
    expect(await manager({ tokens: tokens() }).replaceRejected('server', 'old')).toBe(
      'login-needed',
    )
  })

  it('throws, worded for the person, when a refresh is refused or the server uses client credentials', async () => {
    await expect(
      manager({ tokens: tokens({ refresh_token: 'r1' }) }).replaceRejected('server', 'old'),
    ).rejects.toThrow(/needs a new login: invalid_grant/)
    await expect(
      manager({ tokens: tokens() }, { ...oauth, auth: 'client_credentials' }).replaceRejected(
        'server',
        'old',
      ),
    ).rejects.toThrow(/needs a new login/)
  })
})
