import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/client'
import { describe, expect, it } from 'vitest'
import {
  refusesClient,
  rememberAcceptedClient,
  storedClientNeedsCheck,
  tokenEndpointRefusesClient,
} from './forgotten-client.js'

const AS = 'https://as.example.com/'

describe('which stored client is checked before a login', () => {
  it('a client the bridge registered: unless this process saw the server accept it, or the login is a step-up', () => {
    const secrets = { client: { client_id: 'dcr_old' }, clientSource: 'dynamic' as const }
    expect(storedClientNeedsCheck(secrets, AS, {})).toBe(true)
    expect(storedClientNeedsCheck(secrets, AS, { error: 'invalid_token' })).toBe(true)
    expect(
      storedClientNeedsCheck(secrets, AS, { error: 'insufficient_scope', scope: 'admin' }),
    ).toBe(false)
    rememberAcceptedClient(AS, 'dcr_old')
    expect(storedClientNeedsCheck(secrets, AS, {})).toBe(false)
    expect(storedClientNeedsCheck(secrets, 'https://other-as.example.com/', {})).toBe(true)
  })

  it('a client given with --client-id: only after the server refused it; a metadata document or no client: never', () => {
    const given = { client: { client_id: 'app-1' }, clientSource: 'pre-registered' as const }
    expect(storedClientNeedsCheck(given, AS, {})).toBe(false)
    expect(
      storedClientNeedsCheck(
        { ...given, loginRequired: { reason: 'x', since: '', clientRefused: true } },
        AS,
        {},
      ),
    ).toBe(true)
    expect(
      storedClientNeedsCheck(
        {
          client: { client_id: 'https://tools.example.com/client.json' },
          clientSource: 'metadata-document',
        },
        AS,
        {},
      ),
    ).toBe(false)
    expect(storedClientNeedsCheck({}, AS, {})).toBe(false)
  })
})

describe('what counts as "the server does not know this client"', () => {
  it.each([
    [{ kind: 'refused', said: '', status: 400 }, true],
    [{ kind: 'refused', said: '', status: 422 }, true],
    [{ kind: 'refused', said: '', status: 500 }, true],
    [{ kind: 'refused', said: '', status: 503 }, false],
    [{ kind: 'refused', said: '', status: 429 }, false],
    [{ kind: 'refused', said: '', error: 'invalid_client', status: 400 }, true],
    [{ kind: 'refused', said: '', error: 'unauthorized_client' }, true],
    [
      { kind: 'refused', said: '', error: 'invalid_request', description: 'Unknown client_id' },
      true,
    ],
    [
      {
        kind: 'refused',
        said: '',
        error: 'invalid_request',
        description: 'code_challenge is required',
      },
      false,
    ],
    [{ kind: 'refused', said: '', error: 'invalid_scope' }, false],
    [{ kind: 'accepted' }, false],
  ] as const)('authorization request %o: %s', (verdict, expected) => {
    expect(refusesClient(verdict)).toBe(expected)
  })

  it('at the token endpoint: invalid_client, unauthorized_client, a non-OAuth 4xx; not invalid_grant, 429 or 5xx', () => {
    expect(
      tokenEndpointRefusesClient(
        new OAuthError(OAuthErrorCode.InvalidClient, 'Unrecognized client_id'),
        { url: '', status: 401, said: '' },
      ),
    ).toBe(true)
    expect(
      tokenEndpointRefusesClient(
        new OAuthError(OAuthErrorCode.UnauthorizedClient, 'no'),
        undefined,
      ),
    ).toBe(true)
    expect(
      tokenEndpointRefusesClient(new OAuthError(OAuthErrorCode.ServerError, 'HTTP 422'), {
        url: '',
        status: 422,
        said: '"Unrecognized client_id"',
      }),
    ).toBe(true)
    expect(
      tokenEndpointRefusesClient(new OAuthError(OAuthErrorCode.InvalidGrant, 'expired'), {
        url: '',
        status: 400,
        said: '',
      }),
    ).toBe(false)
    expect(
      tokenEndpointRefusesClient(new OAuthError(OAuthErrorCode.ServerError, 'slow down'), {
        url: '',
        status: 429,
        said: '',
      }),
    ).toBe(false)
    expect(
      tokenEndpointRefusesClient(new OAuthError(OAuthErrorCode.ServerError, 'down'), {
        url: '',
        status: 502,
        said: 'an HTML page',
      }),
    ).toBe(false)
  })
})
