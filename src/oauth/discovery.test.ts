// The https rule for metadata URLs, checked through the fetch seam: a URL that breaks it must be
// refused before a request is made, so every request the seam sees is recorded and counted.
import { describe, expect, it } from 'vitest'
import { BridgeError } from '../errors.js'
import { discoverAuthorization } from './discovery.js'
import { createGuardedFetch, type FetchLike } from './http.js'

const RESOURCE = 'https://mcp.example.com/mcp'

function recordingFetch(documents: Record<string, unknown>): {
  fetchFn: FetchLike
  requested: string[]
} {
  const requested: string[] = []
  const fetchFn: FetchLike = async (input) => {
    const url = String(input)
    requested.push(url)
    const document = documents[url]
    return document === undefined
      ? new Response('{"error":"not_found"}', {
          status: 404,
          headers: { 'content-type': 'application/json' },
        })
      : new Response(JSON.stringify(document), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        })
  }
  return { fetchFn, requested }
}

function asMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  }
}

async function refusal(promise: Promise<unknown>): Promise<BridgeError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(BridgeError)
  expect((error as BridgeError).code).toBe('UNSAFE_URL')
  return error as BridgeError
}

describe('metadata URLs follow the https rule before any request', () => {
  it('a resource_metadata URL in the challenge with plain http to another host: refused, nothing fetched', async () => {
    const seam = recordingFetch({})
    const error = await refusal(
      discoverAuthorization(
        new URL(RESOURCE),
        {
          resourceMetadataUrl: new URL(
            'http://metadata.example/.well-known/oauth-protected-resource',
          ),
        },
        seam.fetchFn,
      ),
    )
    expect(error.message).toContain(
      'resource_metadata URL in the server\'s WWW-Authenticate challenge "http://metadata.example/.well-known/oauth-protected-resource" is neither https nor http on this machine',
    )
    expect(error.hint).toMatch(/must use https/)
    expect(seam.requested).toEqual([])
  })

  it('authorization_servers naming plain http to another host: the resource metadata is read, the authorization server is never asked', async () => {
    const seam = recordingFetch({
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp': {
        resource: RESOURCE,
        authorization_servers: ['http://as.example/tenant'],
      },
    })
    const error = await refusal(discoverAuthorization(new URL(RESOURCE), {}, seam.fetchFn))
    expect(error.message).toContain('"http://as.example/tenant"')
    expect(seam.requested).toEqual([
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    ])
  })

  it('an MCP server on plain http to another host: its well-known URLs (and the 2025-03-26 fallback) are never fetched', async () => {
    const seam = recordingFetch({})
    const error = await refusal(
      discoverAuthorization(new URL('http://mcp.example.com/mcp'), {}, seam.fetchFn),
    )
    expect(error.message).toContain(
      'http://mcp.example.com/mcp asks for an OAuth login, but it is plain http to another machine',
    )
    expect(error.hint).toMatch(/https/)
    expect(seam.requested).toEqual([])
  })

  it('https and loopback http are fetched as before (RFC 8414 first, then OpenID discovery)', async () => {
    const issuer = 'http://127.0.0.1:9/tenant'
    const seam = recordingFetch({
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp': {
        resource: RESOURCE,
        authorization_servers: [issuer],
      },
      'http://127.0.0.1:9/.well-known/openid-configuration/tenant': {
        ...asMetadata(issuer),
        jwks_uri: `${issuer}/jwks`,
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      },
    })
    const discovery = await discoverAuthorization(new URL(RESOURCE), {}, seam.fetchFn)
    expect(discovery.authorizationServerMetadata?.issuer).toBe(issuer)
    expect(seam.requested).toEqual([
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
      'http://127.0.0.1:9/.well-known/oauth-authorization-server/tenant',
      'http://127.0.0.1:9/.well-known/openid-configuration/tenant',
    ])
  })

  it('the fetch every OAuth step uses refuses plain http to another host itself, whatever the caller', async () => {
    const seam = recordingFetch({})
    const guarded = createGuardedFetch({ fetchFn: seam.fetchFn })
    await refusal(guarded('http://as.example/.well-known/openid-configuration'))
    await refusal(
      guarded('http://as.example/token', { method: 'POST', body: 'grant_type=refresh_token' }),
    )
    expect(seam.requested).toEqual([])
    await guarded('http://localhost:9/.well-known/oauth-authorization-server')
    await guarded('https://as.example/.well-known/oauth-authorization-server')
    expect(seam.requested).toEqual([
      'http://localhost:9/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/oauth-authorization-server',
    ])
  })
})

// MCP 2026-07-28 authorization-server-discovery.mdx §Authorization Server Metadata Discovery:
// metadata whose issuer is not the one its URL was built from must not be used.
describe('the metadata must name the issuer the resource metadata named', () => {
  const PRM_URL = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'

  it('another issuer in the document: refused before any endpoint of it is used', async () => {
    const seam = recordingFetch({
      [PRM_URL]: { resource: RESOURCE, authorization_servers: ['https://as.example.com/tenant'] },
      'https://as.example.com/.well-known/oauth-authorization-server/tenant': asMetadata(
        'https://evil.example.com/tenant',
      ),
    })
    const error = await discoverAuthorization(new URL(RESOURCE), {}, seam.fetchFn).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(BridgeError)
    expect((error as BridgeError).code).toBe('DISCOVERY_FAILED')
    expect((error as BridgeError).message).toContain(
      'names another issuer, "https://evil.example.com/tenant"',
    )
    expect(seam.requested).toEqual([
      PRM_URL,
      'https://as.example.com/.well-known/oauth-authorization-server/tenant',
    ])
  })

  it('a trailing slash or another case in the path is another issuer (simple string comparison)', async () => {
    for (const served of ['https://as.example.com/tenant/', 'https://as.example.com/Tenant']) {
      const seam = recordingFetch({
        [PRM_URL]: { resource: RESOURCE, authorization_servers: ['https://as.example.com/tenant'] },
        'https://as.example.com/.well-known/oauth-authorization-server/tenant': asMetadata(served),
      })
      await expect(discoverAuthorization(new URL(RESOURCE), {}, seam.fetchFn)).rejects.toThrow(
        /names another issuer/,
      )
    }
  })

  it('the same issuer is used; so is a bare origin the resource metadata spelled with a slash', async () => {
    for (const advertised of ['https://as.example.com', 'https://as.example.com/']) {
      const seam = recordingFetch({
        [PRM_URL]: { resource: RESOURCE, authorization_servers: [advertised] },
        'https://as.example.com/.well-known/oauth-authorization-server':
          asMetadata('https://as.example.com'),
      })
      const discovery = await discoverAuthorization(new URL(RESOURCE), {}, seam.fetchFn)
      expect(discovery.authorizationServerMetadata?.issuer).toBe('https://as.example.com')
    }
  })

  it('without protected resource metadata (MCP 2025-03-26) the issuer is not compared: no issuer was named', async () => {
    const seam = recordingFetch({
      'https://mcp.example.com/.well-known/oauth-authorization-server': asMetadata(
        'https://mcp.example.com/oauth',
      ),
    })
    const discovery = await discoverAuthorization(new URL(RESOURCE), {}, seam.fetchFn)
    expect(discovery.legacy).toBe(true)
    expect(discovery.authorizationServerMetadata?.issuer).toBe('https://mcp.example.com/oauth')
  })
})
