// The client credentials grant (OAuth 2.1 §4.2) as a renewal, on a scripted fetch: the grant
// and scope sent, the client authenticated with its secret (basic or post, as the metadata
// allows) or with a private_key_jwt assertion (RFC 7523 §3) whose shape and signature are checked.
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { ServerEntry } from '../../config/schema.js'
import { BridgeError } from '../../errors.js'
import type { ServerSecrets } from '../../tokens/store.js'
import {
  json,
  scriptedFetch,
  type ExpectedRequest,
  type SeenRequest,
} from '../../../test/support/scripted-fetch.js'
import { memoryTokenStore } from '../../../test/support/memory-token-store.js'
import type { Discovery } from '../discovery.js'
import { createTokenRefresh } from '../refresh.js'

const NOW = 1_800_000_000_000
const ISSUER = 'https://login.example.com/realms/tools'
const TOKEN = `${ISSUER}/protocol/openid-connect/token`
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

// Keycloak's metadata shape (OpenID discovery), trimmed to what the grant reads.
function discovery(authMethods: string[]): Discovery {
  return {
    legacy: false,
    authorizationServerUrl: ISSUER,
    resourceMetadata: {
      resource: 'https://tools.example.com/mcp',
      authorization_servers: [ISSUER],
    },
    authorizationServerMetadata: {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/protocol/openid-connect/auth`,
      token_endpoint: TOKEN,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      token_endpoint_auth_methods_supported: authMethods,
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256', 'PS256', 'EdDSA'],
      code_challenge_methods_supported: ['S256'],
    },
  }
}

const SERVER = {
  url: 'https://tools.example.com/mcp',
  auth: 'client_credentials',
  scope: 'tools:read',
} as ServerEntry
const GRANTED = json({
  access_token: 'cc_at',
  token_type: 'Bearer',
  expires_in: 300,
  scope: 'tools:read',
})

async function renew(secrets: ServerSecrets, script: ExpectedRequest[]) {
  const fake = scriptedFetch(script)
  const store = memoryTokenStore(secrets)
  const outcome = await createTokenRefresh({ fetchFn: fake.fetchFn, now: () => NOW })({
    name: 'tools',
    server: SERVER,
    secrets,
    store,
  })
  fake.assertDone()
  return { outcome, saved: store.current() }
}

function decodeJwt(jwt: string): {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  signed: string
  signature: Buffer
} {
  const [header = '', payload = '', signature = ''] = jwt.split('.')
  const decode = (part: string) =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
  return {
    header: decode(header),
    payload: decode(payload),
    signed: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  }
}

describe('client credentials with a secret', () => {
  it('client_secret_basic where the metadata lists it: the secret in the Authorization header only, the new token saved', async () => {
    const { outcome, saved } = await renew(
      {
        discovery: discovery(['client_secret_basic', 'client_secret_post', 'private_key_jwt']),
        client: { client_id: 'ci-runner', client_secret: 'cc-secret' },
        clientSource: 'pre-registered',
      },
      [
        {
          method: 'POST',
          url: TOKEN,
          headers: {
            authorization: `Basic ${Buffer.from('ci-runner:cc-secret').toString('base64')}`,
          },
          form: {
            grant_type: 'client_credentials',
            scope: 'tools:read',
            client_secret: null,
            resource: 'https://tools.example.com/mcp',
          },
          respond: GRANTED,
        },
      ],
    )
    expect(outcome).toMatchObject({
      kind: 'renewed',
      tokens: { access_token: 'cc_at', expires_at: NOW + 300_000 },
    })
    expect(saved?.tokens?.access_token).toBe('cc_at')
  })

  it('client_secret_post where that is all the metadata lists: id and secret in the form, no Authorization header', async () => {
    await renew(
      {
        discovery: discovery(['client_secret_post']),
        client: { client_id: 'ci-runner', client_secret: 'cc-secret' },
        clientSource: 'pre-registered',
      },
      [
        {
          method: 'POST',
          url: TOKEN,
          form: {
            grant_type: 'client_credentials',
            client_id: 'ci-runner',
            client_secret: 'cc-secret',
          },
          check: (request) => expect(request.headers.has('authorization')).toBe(false),
          respond: GRANTED,
        },
      ],
    )
  })

  it('a refusal is an error naming the grant and what to check', async () => {
    const error = await renew(
      {
        discovery: discovery(['client_secret_basic']),
        client: { client_id: 'ci-runner', client_secret: 'wrong' },
        clientSource: 'pre-registered',
      },
      // The SDK's auth() tries once more after invalid_client or unauthorized_client.
      [1, 2].map(() => ({
        method: 'POST',
        url: TOKEN,
        respond: json(
          {
            error: 'unauthorized_client',
            error_description: 'Invalid client or Invalid client credentials',
          },
          401,
        ),
      })),
    ).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(BridgeError)
    expect((error as BridgeError).code).toBe('REFRESH_FAILED')
    expect((error as BridgeError).message).toContain(
      'Getting a new token for "tools" with the client credentials grant failed',
    )
    expect((error as BridgeError).message).toContain('Invalid client or Invalid client credentials')
    expect((error as BridgeError).hint).toMatch(/^Check the client credentials/)
  })
})

describe('client credentials with private_key_jwt (RFC 7523)', () => {
  const keys: Array<[string, string, KeyObject, KeyObject, 'ieee-p1363' | 'der']> = []
  {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    keys.push(['an EC P-256 key', 'ES256', ec.privateKey, ec.publicKey, 'ieee-p1363'])
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    keys.push(['an RSA key', 'RS256', rsa.privateKey, rsa.publicKey, 'der'])
  }

  it.each(keys)(
    '%s: an assertion for this client and this issuer, signed with %s',
    async (_what, alg, privateKey, publicKey, dsaEncoding) => {
      let assertion: ReturnType<typeof decodeJwt> | undefined
      const check = (request: SeenRequest) => {
        expect(request.headers.has('authorization')).toBe(false)
        assertion = decodeJwt(request.form.get('client_assertion') ?? '')
      }
      await renew(
        {
          discovery: discovery(['private_key_jwt']),
          client: { client_id: 'svc-42' },
          clientSource: 'pre-registered',
          privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
        [
          {
            method: 'POST',
            url: TOKEN,
            form: {
              grant_type: 'client_credentials',
              client_assertion_type: JWT_BEARER,
              client_secret: null,
            },
            check,
            respond: GRANTED,
          },
        ],
      )
      expect(assertion?.header).toMatchObject({ alg })
      // RFC 7523 §3: iss and sub the client id, aud the authorization server, a short lifetime, a jti.
      const payload = assertion?.payload ?? {}
      expect(payload).toMatchObject({ iss: 'svc-42', sub: 'svc-42', aud: ISSUER })
      expect(typeof payload.jti).toBe('string')
      expect(typeof payload.exp).toBe('number')
      expect(typeof payload.iat).toBe('number')
      expect((payload.exp as number) - (payload.iat as number)).toBeGreaterThan(0)
      expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(600)
      // ES256 signs r || s (RFC 7518 §3.4), not the DER that node:crypto gives by default.
      expect(
        verify(
          'sha256',
          Buffer.from(assertion?.signed ?? ''),
          { key: publicKey, dsaEncoding },
          assertion?.signature ?? Buffer.alloc(0),
        ),
      ).toBe(true)
    },
  )
})
