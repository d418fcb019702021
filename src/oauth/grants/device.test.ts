// The device authorization grant (RFC 8628) on a scripted fetch and a fake clock: the device
// request, the polling with its waits (authorization_pending keeps the interval, slow_down adds
// five seconds, §3.5), and the ends a poll can come to. No wait is real: `sleep` moves the clock.
import { describe, expect, it } from 'vitest'
import { BridgeError } from '../../errors.js'
import type { ServerSecrets } from '../../tokens/store.js'
import { json, scriptedFetch, type ExpectedRequest } from '../../../test/support/scripted-fetch.js'
import { memoryTokenStore } from '../../../test/support/memory-token-store.js'
import type { Discovery } from '../discovery.js'
import { recordFailures } from '../http.js'
import { authorizeWithDeviceCode } from './device.js'

const T0 = 1_800_000_000_000
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

// Entra ID v2 (OpenID discovery): no registration endpoint, so the client is registered by hand.
const TENANT = 'https://login.microsoftonline.com/6f1c2a4e-0000-4000-8000-000000000001'
const ENTRA_DEVICE = `${TENANT}/oauth2/v2.0/devicecode`
const ENTRA_TOKEN = `${TENANT}/oauth2/v2.0/token`
const ENTRA: Discovery = {
  legacy: false,
  authorizationServerUrl: `${TENANT}/v2.0`,
  resourceMetadata: {
    resource: 'https://mcp.contoso.com/mcp',
    authorization_servers: [`${TENANT}/v2.0`],
  },
  authorizationServerMetadata: {
    issuer: `${TENANT}/v2.0`,
    authorization_endpoint: `${TENANT}/oauth2/v2.0/authorize`,
    token_endpoint: ENTRA_TOKEN,
    device_authorization_endpoint: ENTRA_DEVICE,
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    token_endpoint_auth_methods_supported: [
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic',
    ],
    code_challenge_methods_supported: ['S256'],
  } as Discovery['authorizationServerMetadata'] & object,
}
// Entra answers without verification_uri_complete, with a 15-minute code and a 5-second interval.
const DEVICE_CODE = {
  device_code: 'DAQABAAEAAAD',
  user_code: 'GQ7X3P2LM',
  verification_uri: 'https://microsoft.com/devicelogin',
  expires_in: 900,
  interval: 5,
}

function clock() {
  let time = T0
  const waits: number[] = []
  return {
    now: () => time,
    sleep: async (ms: number) => {
      waits.push(ms)
      time += ms
    },
    waits,
  }
}

async function login(
  secrets: ServerSecrets,
  script: ExpectedRequest[],
  discovery: Discovery = ENTRA,
  timeoutMs = 300_000,
) {
  const fake = scriptedFetch(script)
  const store = memoryTokenStore(secrets)
  const time = clock()
  const progress: string[] = []
  const outcome = await authorizeWithDeviceCode({
    name: 'contoso',
    serverUrl: new URL('https://mcp.contoso.com/mcp'),
    store,
    challenge: {},
    fetchFn: fake.fetchFn,
    failures: recordFailures(fake.fetchFn),
    discovery,
    scope: 'api://contoso-mcp/tools.read offline_access',
    io: {
      progress: (line) => progress.push(line),
      openBrowser: async () => undefined,
      browser: 'print',
    },
    timeoutMs,
    now: time.now,
    sleep: time.sleep,
  }).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  fake.assertDone()
  return { outcome, saved: store.current(), waits: time.waits, progress }
}

const BY_HAND: ServerSecrets = {
  client: { client_id: '3f2b1c9e-app' },
  clientSource: 'pre-registered',
}
const start = (): ExpectedRequest => ({
  method: 'POST',
  url: ENTRA_DEVICE,
  form: {
    client_id: '3f2b1c9e-app',
    scope: 'api://contoso-mcp/tools.read offline_access',
    resource: 'https://mcp.contoso.com/mcp',
  },
  respond: json(DEVICE_CODE),
})
const poll = (respond: ExpectedRequest['respond']): ExpectedRequest => ({
  method: 'POST',
  url: ENTRA_TOKEN,
  form: { grant_type: DEVICE_GRANT, device_code: 'DAQABAAEAAAD', client_id: '3f2b1c9e-app' },
  respond,
})
const pending = json(
  {
    error: 'authorization_pending',
    error_description: 'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.',
  },
  400,
)

describe('polling for the device grant', () => {
  it('authorization_pending keeps the interval, slow_down adds 5 s; the approved tokens are saved', async () => {
    const { outcome, saved, waits, progress } = await login(BY_HAND, [
      start(),
      poll(pending),
      poll(json({ error: 'slow_down' }, 400)),
      poll(
        json({
          access_token: 'eyJ0eXAi.at',
          refresh_token: 'rt_device',
          token_type: 'Bearer',
          expires_in: 3599,
          scope: 'api://contoso-mcp/tools.read',
        }),
      ),
    ])
    expect(outcome).toEqual({
      value: { discovery: ENTRA, scope: 'api://contoso-mcp/tools.read offline_access' },
    })
    expect(waits).toEqual([5000, 5000, 10_000])
    expect(progress).toContain(
      'On any device, open https://microsoft.com/devicelogin and enter the code GQ7X3P2LM',
    )
    expect(saved?.tokens).toMatchObject({
      access_token: 'eyJ0eXAi.at',
      refresh_token: 'rt_device',
      obtained_at: T0 + 20_000,
      expires_at: T0 + 20_000 + 3_599_000,
      issuer: `${TENANT}/v2.0`,
    })
  })

  it("expired_token: the login fails, in the server's words", async () => {
    const { outcome, saved } = await login(BY_HAND, [
      start(),
      poll(pending),
      poll(
        json(
          { error: 'expired_token', error_description: 'AADSTS70019: Verification code expired.' },
          400,
        ),
      ),
    ])
    const error = (outcome as { error: unknown }).error
    expect(error).toBeInstanceOf(BridgeError)
    expect((error as BridgeError).code).toBe('TOKEN_EXCHANGE_FAILED')
    expect((error as BridgeError).message).toBe(
      `The token step failed at ${ENTRA_TOKEN}: the server said "expired_token" ("AADSTS70019: Verification code expired.").`,
    )
    expect(saved?.tokens).toBeUndefined()
  })

  it('access_denied: the person declined, said as such', async () => {
    const { outcome } = await login(BY_HAND, [start(), poll(json({ error: 'access_denied' }, 400))])
    expect((outcome as { error: BridgeError }).error.code).toBe('AUTHORIZATION_FAILED')
    expect((outcome as { error: BridgeError }).error.hint).toMatch(/declined/)
  })

  it("the code's own lifetime ends the polling when it is shorter than the login's time limit", async () => {
    const { outcome, waits } = await login(BY_HAND, [
      { ...start(), respond: json({ ...DEVICE_CODE, expires_in: 12 }) },
      poll(pending),
      poll(pending),
      poll(pending),
    ])
    expect(waits).toEqual([5000, 5000, 5000])
    expect((outcome as { error: BridgeError }).error.code).toBe('CALLBACK_TIMEOUT')
  })

  it('a server without a device authorization endpoint is asked nothing', async () => {
    const { device_authorization_endpoint: _none, ...withoutDevice } =
      ENTRA.authorizationServerMetadata as Record<string, unknown>
    const { outcome } = await login(BY_HAND, [], {
      ...ENTRA,
      authorizationServerMetadata: withoutDevice as Discovery['authorizationServerMetadata'] &
        object,
    })
    expect((outcome as { error: BridgeError }).error.message).toContain(
      'does not offer the device authorization grant (RFC 8628)',
    )
  })
})

describe('a client for the device grant', () => {
  // Keycloak: OpenID discovery with dynamic registration and the device grant.
  const REALM = 'https://sso.example.com/realms/mcp'
  const KEYCLOAK: Discovery = {
    legacy: false,
    authorizationServerUrl: REALM,
    authorizationServerMetadata: {
      issuer: REALM,
      authorization_endpoint: `${REALM}/protocol/openid-connect/auth`,
      token_endpoint: `${REALM}/protocol/openid-connect/token`,
      registration_endpoint: `${REALM}/clients-registrations/openid-connect`,
      device_authorization_endpoint: `${REALM}/protocol/openid-connect/auth/device`,
      response_types_supported: ['code'],
      token_endpoint_auth_methods_supported: [
        'private_key_jwt',
        'client_secret_basic',
        'client_secret_post',
        'tls_client_auth',
        'client_secret_jwt',
      ],
      code_challenge_methods_supported: ['plain', 'S256'],
    } as Discovery['authorizationServerMetadata'] & object,
  }

  it('is registered for the device grant when none is stored; a server that lists no "none" gets a confidential one', async () => {
    const { outcome, saved } = await login(
      {},
      [
        {
          method: 'POST',
          url: `${REALM}/clients-registrations/openid-connect`,
          check: (request) => {
            expect(JSON.parse(request.body)).toMatchObject({
              grant_types: [DEVICE_GRANT, 'refresh_token'],
              redirect_uris: [],
              token_endpoint_auth_method: 'client_secret_basic',
            })
          },
          respond: json(
            {
              client_id: 'kc-dyn-1',
              client_secret: 'kc-secret',
              grant_types: [DEVICE_GRANT, 'refresh_token'],
              redirect_uris: [],
              token_endpoint_auth_method: 'client_secret_basic',
            },
            201,
          ),
        },
        {
          method: 'POST',
          url: `${REALM}/protocol/openid-connect/auth/device`,
          headers: {
            authorization: `Basic ${Buffer.from('kc-dyn-1:kc-secret').toString('base64')}`,
          },
          form: { client_id: null },
          respond: json({
            ...DEVICE_CODE,
            verification_uri: `${REALM}/device`,
            verification_uri_complete: `${REALM}/device?user_code=GQ7X-3P2L`,
          }),
        },
        {
          method: 'POST',
          url: `${REALM}/protocol/openid-connect/token`,
          respond: json({ access_token: 'kc_at', token_type: 'Bearer', expires_in: 300 }),
        },
      ],
      KEYCLOAK,
    )
    expect(outcome).toMatchObject({ value: { discovery: KEYCLOAK } })
    expect(saved).toMatchObject({
      clientSource: 'dynamic',
      client: { client_id: 'kc-dyn-1', issuer: REALM },
      tokens: { access_token: 'kc_at' },
    })
  })
})
