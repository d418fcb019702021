// The refresh token grant (OAuth 2.1 §4.3) as the token manager drives it, on a scripted fetch:
// what is sent, what a rotated answer becomes, and which refusals mean "log in again".
import { describe, expect, it } from 'vitest'
import type { ServerEntry } from '../config/schema.js'
import { BridgeError } from '../errors.js'
import type { ServerSecrets } from '../tokens/store.js'
import {
  answer,
  json,
  scriptedFetch,
  type ExpectedRequest,
} from '../../test/support/scripted-fetch.js'
import { memoryTokenStore } from '../../test/support/memory-token-store.js'
import type { Discovery } from './discovery.js'
import { createTokenRefresh } from './refresh.js'

const NOW = 1_800_000_000_000

// Stripe: the resource is a bare origin, the issuer has a path, public clients only.
const STRIPE: Discovery = {
  legacy: false,
  authorizationServerUrl: 'https://access.stripe.com/mcp',
  resourceMetadataUrl: 'https://mcp.stripe.com/.well-known/oauth-protected-resource',
  resourceMetadata: {
    resource: 'https://mcp.stripe.com',
    authorization_servers: ['https://access.stripe.com/mcp'],
  },
  authorizationServerMetadata: {
    issuer: 'https://access.stripe.com/mcp',
    authorization_endpoint: 'https://access.stripe.com/mcp/oauth2/authorize',
    token_endpoint: 'https://access.stripe.com/mcp/oauth2/token',
    registration_endpoint: 'https://access.stripe.com/mcp/oauth2/register',
    revocation_endpoint: 'https://access.stripe.com/mcp/oauth2/revoke',
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['mcp'],
  },
}
const STRIPE_TOKEN = 'https://access.stripe.com/mcp/oauth2/token'

// Supabase: another origin for the authorization server; DCR hands out a secret.
const SUPABASE: Discovery = {
  legacy: false,
  authorizationServerUrl: 'https://api.supabase.com',
  resourceMetadata: {
    resource: 'https://mcp.supabase.com/mcp',
    authorization_servers: ['https://api.supabase.com'],
  },
  authorizationServerMetadata: {
    issuer: 'https://api.supabase.com',
    authorization_endpoint: 'https://api.supabase.com/v1/oauth/authorize',
    token_endpoint: 'https://api.supabase.com/v1/oauth/token',
    registration_endpoint: 'https://api.supabase.com/v1/oauth/register',
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  },
}
const SUPABASE_TOKEN = 'https://api.supabase.com/v1/oauth/token'

const SERVER: ServerEntry = { url: 'https://mcp.stripe.com', auth: 'oauth' } as ServerEntry

function secretsFor(discovery: Discovery, extra: Partial<ServerSecrets> = {}): ServerSecrets {
  return {
    discovery,
    client: { client_id: 'oacli_123' },
    clientSource: 'dynamic',
    tokens: {
      access_token: 'at_old',
      refresh_token: 'rt_old',
      token_type: 'Bearer',
      obtained_at: NOW - 3_600_000,
      expires_at: NOW,
    },
    ...extra,
  }
}

async function refreshWith(script: ExpectedRequest[], secrets: ServerSecrets) {
  const fake = scriptedFetch(script)
  const refresh = createTokenRefresh({ fetchFn: fake.fetchFn, now: () => NOW })
  const outcome = await refresh({
    name: 'stripe',
    server: SERVER,
    secrets,
    store: memoryTokenStore(secrets),
  }).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  fake.assertDone()
  return outcome
}

describe('a refresh the server grants', () => {
  it('sends the refresh token, the public client and the resource as the metadata spells it; keeps the rotated token', async () => {
    const outcome = await refreshWith(
      [
        {
          method: 'POST',
          url: STRIPE_TOKEN,
          headers: {
            accept: 'application/json',
            'content-type': 'application/x-www-form-urlencoded',
          },
          // RFC 8707 §2: a bare origin stays bare, or servers that match exactly answer invalid_target.
          form: {
            grant_type: 'refresh_token',
            refresh_token: 'rt_old',
            client_id: 'oacli_123',
            resource: 'https://mcp.stripe.com',
            client_secret: null,
          },
          check: (request) => expect(request.headers.has('authorization')).toBe(false),
          respond: json({
            access_token: 'at_new',
            refresh_token: 'rt_new',
            token_type: 'Bearer',
            expires_in: 3600,
            scope: 'mcp',
          }),
        },
      ],
      secretsFor(STRIPE),
    )
    expect(outcome).toEqual({
      value: {
        kind: 'renewed',
        tokens: {
          access_token: 'at_new',
          refresh_token: 'rt_new',
          token_type: 'Bearer',
          expires_in: 3600,
          scope: 'mcp',
          obtained_at: NOW,
          expires_at: NOW + 3_600_000,
          issuer: 'https://access.stripe.com/mcp',
        },
      },
    })
  })

  it('a server that does not rotate: the refresh token held is kept', async () => {
    const outcome = await refreshWith(
      [
        {
          method: 'POST',
          url: STRIPE_TOKEN,
          respond: json({ access_token: 'at_new', token_type: 'Bearer', expires_in: 3600 }),
        },
      ],
      secretsFor(STRIPE),
    )
    expect(outcome).toMatchObject({
      value: { kind: 'renewed', tokens: { access_token: 'at_new', refresh_token: 'rt_old' } },
    })
  })

  it('a form-encoded answer (GitHub, unless asked for JSON) is read as the JSON RFC 6749 §5.1 asks for', async () => {
    const outcome = await refreshWith(
      [
        {
          method: 'POST',
          url: STRIPE_TOKEN,
          respond: answer(
            200,
            'access_token=gho_new&token_type=bearer&expires_in=28800&refresh_token=ghr_new',
            { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          ),
        },
      ],
      secretsFor(STRIPE),
    )
    expect(outcome).toMatchObject({
      value: {
        kind: 'renewed',
        tokens: { access_token: 'gho_new', refresh_token: 'ghr_new', expires_at: NOW + 28_800_000 },
      },
    })
  })

  it('after the server refused the resource parameter at login (Entra ID), the refresh leaves it out', async () => {
    const outcome = await refreshWith(
      [
        {
          method: 'POST',
          url: STRIPE_TOKEN,
          form: { resource: null, grant_type: 'refresh_token' },
          respond: json({ access_token: 'at_new', token_type: 'Bearer' }),
        },
      ],
      secretsFor({ ...STRIPE, omitResource: true }),
    )
    expect(outcome).toMatchObject({ value: { kind: 'renewed' } })
  })

  it('a confidential client authenticates the way the metadata allows (client_secret_post here)', async () => {
    const outcome = await refreshWith(
      [
        {
          method: 'POST',
          url: SUPABASE_TOKEN,
          form: {
            client_id: 'sb_client',
            client_secret: 'sb_secret',
            resource: 'https://mcp.supabase.com/mcp',
          },
          respond: json(
            {
              access_token: 'at_new',
              token_type: 'bearer',
              expires_in: 3600,
              refresh_token: 'rt_new',
            },
            201,
          ),
        },
      ],
      secretsFor(
        {
          ...SUPABASE,
          authorizationServerMetadata: {
            ...SUPABASE.authorizationServerMetadata!,
            token_endpoint_auth_methods_supported: ['client_secret_post'],
          },
        },
        { client: { client_id: 'sb_client', client_secret: 'sb_secret' } },
      ),
    )
    // Supabase answers 201 on success.
    expect(outcome).toMatchObject({
      value: { kind: 'renewed', tokens: { refresh_token: 'rt_new' } },
    })
  })
})

describe('a refresh the server refuses', () => {
  it('invalid_grant (Notion after a rotation race): log in again, the client is not blamed', async () => {
    const outcome = await refreshWith(
      [
        {
          method: 'POST',
          url: STRIPE_TOKEN,
          respond: json(
            { error: 'invalid_grant', error_description: 'Invalid refresh token' },
            400,
          ),
        },
      ],
      secretsFor(STRIPE),
    )
    expect(outcome).toEqual({
      value: {
        kind: 'refused',
        reason: 'the server refused to refresh the token (invalid_grant: Invalid refresh token)',
      },
    })
  })

  it('a 4xx that is not OAuth JSON (Supabase\'s 422 "Unrecognized client_id"): the client the bridge registered is forgotten', async () => {
    const outcome = await refreshWith(
      [
        {
          method: 'POST',
          url: SUPABASE_TOKEN,
          respond: json({ message: 'Unrecognized client_id' }, 422),
        },
      ],
      secretsFor(SUPABASE),
    )
    expect(outcome).toMatchObject({ value: { kind: 'refused', client: 'forget' } })
    const reason = (outcome as { value: { reason: string } }).value.reason
    expect(reason).toContain('HTTP 422: "Unrecognized client_id"')
    expect(reason).toContain(
      'no longer knows the client the bridge registered; `login` registers a new one',
    )
  })

  it('invalid_client for a client given with --client-id: log in again, the client is kept', async () => {
    const outcome = await refreshWith(
      [
        {
          method: 'POST',
          url: STRIPE_TOKEN,
          respond: json(
            { error: 'invalid_client', error_description: 'Client authentication failed' },
            401,
          ),
        },
      ],
      secretsFor(STRIPE, { clientSource: 'pre-registered' }),
    )
    expect(outcome).toEqual({
      value: {
        kind: 'refused',
        reason:
          'the server refused to refresh the token (invalid_client: Client authentication failed)',
        client: 'keep',
      },
    })
  })

  it.each([
    [429, json({ error: 'rate_limited' }, 429), 'HTTP 429: "rate_limited"'],
    [
      503,
      answer(503, '<html><body>Service Unavailable</body></html>', { 'content-type': 'text/html' }),
      'HTTP 503: an HTML page',
    ],
  ])('HTTP %i may pass: an error to retry, not a refusal', async (_status, respond, said) => {
    const outcome = await refreshWith(
      [{ method: 'POST', url: STRIPE_TOKEN, respond }],
      secretsFor(STRIPE),
    )
    const error = (outcome as { error: unknown }).error
    expect(error).toBeInstanceOf(BridgeError)
    expect((error as BridgeError).code).toBe('REFRESH_FAILED')
    expect((error as BridgeError).message).toBe(
      `Refreshing the token of "stripe" failed at ${STRIPE_TOKEN}: ${said}.`,
    )
    expect((error as BridgeError).hint).toMatch(/try again/)
  })

  it('incomplete login data: refused without a request', async () => {
    const outcome = await refreshWith([], { discovery: STRIPE, client: { client_id: 'oacli_123' } })
    expect(outcome).toEqual({ value: { kind: 'refused', reason: 'its login data is incomplete' } })
  })
})
