// Discovery documents for clients that log in to the bridge itself: protected resource metadata
// per server (RFC 9728) and authorization server metadata (RFC 8414). Both name the bridge as
// the client addressed it (`localhost` or `127.0.0.1`, the guard has vetted the Host), because
// a client checks that the resource and issuer it reads are the ones it used (RFC 9728 §3.3,
// RFC 8414 §3.3).
import type { IncomingMessage } from 'node:http'

export const AS_METADATA_PATH = '/.well-known/oauth-authorization-server'
export const PRM_PREFIX = '/.well-known/oauth-protected-resource'
export const AUTHORIZE_PATH = '/authorize'
export const TOKEN_PATH = '/token'
export const REGISTER_PATH = '/register'

/** The bridge's origin as this request addressed it; the guard admits only the bridge's own loopback names. */
export function issuerOf(req: IncomingMessage): string {
  return `http://${String(req.headers.host).toLowerCase()}`
}

export function resourceUrl(issuer: string, server: string): string {
  return `${issuer}/mcp/${server}`
}

export function resourceMetadataUrl(issuer: string, server: string): string {
  return `${issuer}${PRM_PREFIX}/mcp/${server}`
}

export function protectedResourceMetadata(issuer: string, server: string): Record<string, unknown> {
  return {
    resource: resourceUrl(issuer, server),
    authorization_servers: [issuer],
    bearer_methods_supported: ['header'],
    resource_name: `${server} through mcp-oauth-bridge`,
  }
}

export function authorizationServerMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}${AUTHORIZE_PATH}`,
    token_endpoint: `${issuer}${TOKEN_PATH}`,
    registration_endpoint: `${issuer}${REGISTER_PATH}`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    // MCP 2025-11-25 §Authorization Code Protection: clients refuse a server that does not say so.
    code_challenge_methods_supported: ['S256'],
    // Public clients only: PKCE protects the code, and a secret on a laptop protects little.
    token_endpoint_auth_methods_supported: ['none'],
    client_id_metadata_document_supported: true,
    // RFC 9207 §3: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
  }
}

/**
 * The 401 challenge on /mcp/<name> (RFC 9728 §5.1, RFC 6750 §3): where the metadata is, and
 * `invalid_token` when a credential was sent but is not (or no longer) valid here.
 */
export function challenge(issuer: string, server: string, presented: boolean): string {
  return `Bearer resource_metadata="${resourceMetadataUrl(issuer, server)}"${presented ? ', error="invalid_token", error_description="The access token is unknown, expired, revoked, or for another server"' : ''}`
}

/** The server a `resource` parameter (RFC 8707) names: this bridge's /mcp/<name> under any of its loopback names. */
export function serverOfResource(
  resource: string,
  authorities: ReadonlySet<string>,
): string | undefined {
  let url: URL
  try {
    url = new URL(resource)
  } catch {
    return undefined
  }
  if (
    url.protocol !== 'http:' ||
    !authorities.has(url.host.toLowerCase()) ||
    url.search ||
    url.hash
  )
    return undefined
  return /^\/mcp\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname)?.[1]
}
