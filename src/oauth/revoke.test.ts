// Token revocation at logout (RFC 7009) on a scripted fetch: both tokens, the refresh token
// first, with the client's authentication; a server without the endpoint is asked nothing.
import { describe, expect, it } from 'vitest'
import type { ServerSecrets } from '../tokens/store.js'
import { answer, json, scriptedFetch } from '../../test/support/scripted-fetch.js'
import { revokeTokens } from './revoke.js'

// Stripe's metadata names a revocation endpoint; its clients are public.
const STRIPE_METADATA = {
  issuer: 'https://access.stripe.com/mcp',
  authorization_endpoint: 'https://access.stripe.com/mcp/oauth2/authorize',
  token_endpoint: 'https://access.stripe.com/mcp/oauth2/token',
  revocation_endpoint: 'https://access.stripe.com/mcp/oauth2/revoke',
  response_types_supported: ['code'],
  token_endpoint_auth_methods_supported: ['none'],
  code_challenge_methods_supported: ['S256'],
}
const REVOKE = 'https://access.stripe.com/mcp/oauth2/revoke'

const TOKENS = { access_token: 'at_1', refresh_token: 'rt_1', token_type: 'Bearer', obtained_at: 0 }

function secrets(extra: Partial<ServerSecrets> = {}): ServerSecrets {
  return {
    discovery: {
      authorizationServerUrl: 'https://access.stripe.com/mcp',
      authorizationServerMetadata: STRIPE_METADATA,
    },
    client: { client_id: 'oacli_123' },
    tokens: TOKENS,
    ...extra,
  }
}

describe('revoking at logout', () => {
  it('revokes the refresh token, then the access token, each with its hint and the public client id', async () => {
    const fake = scriptedFetch([
      {
        method: 'POST',
        url: REVOKE,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        form: { token: 'rt_1', token_type_hint: 'refresh_token', client_id: 'oacli_123' },
        respond: answer(200),
      },
      {
        method: 'POST',
        url: REVOKE,
        form: { token: 'at_1', token_type_hint: 'access_token', client_id: 'oacli_123' },
        respond: answer(200),
      },
    ])
    expect(await revokeTokens(secrets(), fake.fetchFn)).toEqual({ kind: 'revoked', count: 2 })
    fake.assertDone()
  })

  it('a confidential client authenticates with client_secret_basic, both parts form-urlencoded (RFC 6749 §2.3.1)', async () => {
    const basic = `Basic ${Buffer.from('app%3A1:s%2Bcret').toString('base64')}`
    const fake = scriptedFetch([
      {
        method: 'POST',
        url: REVOKE,
        headers: { authorization: basic },
        form: { token: 'rt_1', client_id: null, client_secret: null },
        respond: answer(200),
      },
      {
        method: 'POST',
        url: REVOKE,
        headers: { authorization: basic },
        form: { token: 'at_1' },
        respond: answer(200),
      },
    ])
    const metadata = {
      ...STRIPE_METADATA,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    }
    const result = await revokeTokens(
      secrets({
        client: { client_id: 'app:1', client_secret: 's+cret' },
        discovery: {
          authorizationServerUrl: STRIPE_METADATA.issuer,
          authorizationServerMetadata: metadata,
        },
      }),
      fake.fetchFn,
    )
    expect(result).toEqual({ kind: 'revoked', count: 2 })
    fake.assertDone()
  })

  it('only an access token: one request', async () => {
    const fake = scriptedFetch([
      {
        method: 'POST',
        url: REVOKE,
        form: { token: 'at_1', token_type_hint: 'access_token' },
        respond: answer(200),
      },
    ])
    expect(
      await revokeTokens(
        secrets({ tokens: { access_token: 'at_1', token_type: 'Bearer', obtained_at: 0 } }),
        fake.fetchFn,
      ),
    ).toEqual({ kind: 'revoked', count: 1 })
    fake.assertDone()
  })

  it('a server whose metadata names no revocation endpoint is asked nothing', async () => {
    const { revocation_endpoint: _none, ...withoutRevocation } = STRIPE_METADATA
    const fake = scriptedFetch([])
    const result = await revokeTokens(
      secrets({
        discovery: {
          authorizationServerUrl: STRIPE_METADATA.issuer,
          authorizationServerMetadata: withoutRevocation,
        },
      }),
      fake.fetchFn,
    )
    expect(result).toEqual({ kind: 'unsupported' })
    fake.assertDone()
  })

  it('a refusal stops there and says what the endpoint answered; forgetting goes ahead regardless', async () => {
    const fake = scriptedFetch([
      {
        method: 'POST',
        url: REVOKE,
        form: { token: 'rt_1' },
        respond: json({ error: 'unsupported_token_type' }, 400),
      },
    ])
    expect(await revokeTokens(secrets(), fake.fetchFn)).toEqual({
      kind: 'failed',
      reason: `${REVOKE} answered HTTP 400`,
    })
    fake.assertDone()
  })

  it('an endpoint that is plain http to another machine is refused before any request', async () => {
    const fake = scriptedFetch([])
    const metadata = {
      ...STRIPE_METADATA,
      revocation_endpoint: 'http://access.stripe.com/mcp/oauth2/revoke',
    }
    await expect(
      revokeTokens(
        secrets({
          discovery: {
            authorizationServerUrl: STRIPE_METADATA.issuer,
            authorizationServerMetadata: metadata,
          },
        }),
        fake.fetchFn,
      ),
    ).rejects.toThrow(/revocation_endpoint/)
    fake.assertDone()
  })
})
