// Which documents discovery asks for, in which order, on a scripted fetch that fails on any
// other request: protected resource metadata at the path-inserted URL, then the root (RFC 9728
// §3.1); authorization server metadata at RFC 8414's path-inserted URL, then OpenID discovery
// in both its forms; and what of the documents found is kept or refused.
import { describe, expect, it } from 'vitest'
import { BridgeError } from '../errors.js'
import { json, scriptedFetch, type ExpectedRequest } from '../../test/support/scripted-fetch.js'
import { discoverAuthorization } from './discovery.js'

const missing = json({ error: 'not_found' }, 404)

function asMetadata(issuer: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    ...extra,
  }
}

async function discover(serverUrl: string, script: ExpectedRequest[]) {
  const fake = scriptedFetch(script)
  const result = await discoverAuthorization(new URL(serverUrl), {}, fake.fetchFn).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  fake.assertDone()
  return result
}

describe('the order of discovery requests', () => {
  it("Stripe: a root endpoint asks the root PRM only, then the issuer's path-inserted RFC 8414 document", async () => {
    const result = await discover('https://mcp.stripe.com', [
      {
        url: 'https://mcp.stripe.com/.well-known/oauth-protected-resource',
        check: (request) =>
          expect(request.headers.get('mcp-protocol-version')).toMatch(/^\d{4}-\d{2}-\d{2}$/),
        respond: json({
          resource: 'https://mcp.stripe.com',
          authorization_servers: ['https://access.stripe.com/mcp'],
        }),
      },
      {
        url: 'https://access.stripe.com/.well-known/oauth-authorization-server/mcp',
        respond: json(
          asMetadata('https://access.stripe.com/mcp', {
            token_endpoint_auth_methods_supported: ['none'],
            revocation_endpoint: 'https://access.stripe.com/mcp/oauth2/revoke',
          }),
        ),
      },
    ])
    expect(result).toMatchObject({
      value: {
        legacy: false,
        authorizationServerUrl: 'https://access.stripe.com/mcp',
        resourceMetadata: { resource: 'https://mcp.stripe.com' },
        authorizationServerMetadata: {
          issuer: 'https://access.stripe.com/mcp',
          revocation_endpoint: 'https://access.stripe.com/mcp/oauth2/revoke',
        },
      },
    })
  })

  it('the PRM at the path-inserted URL first; a 404 there falls back to the root', async () => {
    const result = await discover('https://mcp.linear.app/mcp', [
      { url: 'https://mcp.linear.app/.well-known/oauth-protected-resource/mcp', respond: missing },
      {
        url: 'https://mcp.linear.app/.well-known/oauth-protected-resource',
        respond: json({
          resource: 'https://mcp.linear.app/mcp',
          authorization_servers: ['https://mcp.linear.app'],
        }),
      },
      {
        url: 'https://mcp.linear.app/.well-known/oauth-authorization-server',
        respond: json(asMetadata('https://mcp.linear.app')),
      },
    ])
    expect(result).toMatchObject({
      value: {
        authorizationServerUrl: 'https://mcp.linear.app',
        authorizationServerMetadata: { issuer: 'https://mcp.linear.app' },
      },
    })
  })

  it('an issuer with a path: RFC 8414 path-inserted, then OpenID path-inserted, then OpenID appended to the path', async () => {
    const issuer = 'https://sso.example.com/realms/mcp'
    const result = await discover('https://tools.example.com/mcp', [
      {
        url: 'https://tools.example.com/.well-known/oauth-protected-resource/mcp',
        respond: json({
          resource: 'https://tools.example.com/mcp',
          authorization_servers: [issuer],
        }),
      },
      {
        url: 'https://sso.example.com/.well-known/oauth-authorization-server/realms/mcp',
        respond: missing,
      },
      {
        url: 'https://sso.example.com/.well-known/openid-configuration/realms/mcp',
        respond: missing,
      },
      {
        url: 'https://sso.example.com/realms/mcp/.well-known/openid-configuration',
        respond: json(
          asMetadata(issuer, {
            jwks_uri: `${issuer}/protocol/openid-connect/certs`,
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
            revocation_endpoint: `${issuer}/protocol/openid-connect/revoke`,
            device_authorization_endpoint: `${issuer}/protocol/openid-connect/auth/device`,
            authorization_response_iss_parameter_supported: true,
          }),
        ),
      },
    ])
    // The SDK's OpenID schema drops these three; discovery puts them back for logout, --device and RFC 9207.
    expect(result).toMatchObject({
      value: {
        authorizationServerMetadata: {
          issuer,
          revocation_endpoint: `${issuer}/protocol/openid-connect/revoke`,
          device_authorization_endpoint: `${issuer}/protocol/openid-connect/auth/device`,
          authorization_response_iss_parameter_supported: true,
        },
      },
    })
  })

  it('an issuer at the root: RFC 8414, then OpenID discovery, at the root only', async () => {
    const result = await discover('https://mcp.example.com/mcp', [
      {
        url: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
        respond: json({
          resource: 'https://mcp.example.com/mcp',
          authorization_servers: ['https://auth.example.com'],
        }),
      },
      { url: 'https://auth.example.com/.well-known/oauth-authorization-server', respond: missing },
      { url: 'https://auth.example.com/.well-known/openid-configuration', respond: missing },
    ])
    const error = (result as { error: unknown }).error
    expect(error).toBeInstanceOf(BridgeError)
    expect((error as BridgeError).code).toBe('DISCOVERY_FAILED')
    expect((error as BridgeError).message).toBe(
      'No authorization server metadata found for https://auth.example.com (tried RFC 8414 and OpenID Connect discovery).',
    )
  })
})

describe('what discovery refuses in the documents it finds', () => {
  it('metadata for another resource (RFC 9728 §3.3): refused before the authorization server is asked', async () => {
    const result = await discover('https://mcp.cloudflare.com/sse', [
      {
        url: 'https://mcp.cloudflare.com/.well-known/oauth-protected-resource/sse',
        respond: json({
          resource: 'https://mcp.cloudflare.com/mcp',
          authorization_servers: ['https://mcp.cloudflare.com'],
        }),
      },
    ])
    const error = (result as { error: BridgeError }).error
    expect(error.code).toBe('RESOURCE_MISMATCH')
    expect(error.hint).toContain(
      'If https://mcp.cloudflare.com/mcp is the MCP endpoint you meant, add that URL instead',
    )
  })

  it('metadata that does not advertise S256 (MCP 2025-11-25 §Authorization Code Protection): refused', async () => {
    const result = await discover('https://mcp.example.com/mcp', [
      {
        url: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
        respond: json({
          resource: 'https://mcp.example.com/mcp',
          authorization_servers: ['https://auth.example.com'],
        }),
      },
      {
        url: 'https://auth.example.com/.well-known/oauth-authorization-server',
        respond: json(
          asMetadata('https://auth.example.com', { code_challenge_methods_supported: ['plain'] }),
        ),
      },
    ])
    const error = (result as { error: BridgeError }).error
    expect(error.code).toBe('PKCE_UNSUPPORTED')
    expect(error.message).toContain('(it lists plain)')
  })

  it('a token endpoint on plain http to another machine: refused', async () => {
    const result = await discover('https://mcp.example.com/mcp', [
      {
        url: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
        respond: json({
          resource: 'https://mcp.example.com/mcp',
          authorization_servers: ['https://auth.example.com'],
        }),
      },
      {
        url: 'https://auth.example.com/.well-known/oauth-authorization-server',
        respond: json(
          asMetadata('https://auth.example.com', {
            token_endpoint: 'http://auth.example.com/token',
          }),
        ),
      },
    ])
    expect((result as { error: BridgeError }).error.code).toBe('UNSAFE_URL')
  })
})
