// Finds the authorization server for an MCP server, in the order MCP 2025-11-25 gives, with
// the 2025-03-26 fallbacks (metadata at the MCP origin, then default endpoints), and checks
// what it finds before the flow may use it. The fetching, and the issuer check, are the SDK's.
import {
  checkResourceAllowed,
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  IssuerMismatchError,
  type AuthorizationServerMetadata,
  type OAuthDiscoveryState,
  type OAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/client'
import { BridgeError, quote, summarise } from '../errors.js'
import type { FetchLike } from './http.js'
import type { AuthChallenge } from './probe.js'
import { isLoopbackHost, parseSafeUrl } from './safe-url.js'

export interface Discovery extends OAuthDiscoveryState {
  /** True when the server predates protected resource metadata (MCP 2025-03-26). */
  legacy: boolean
  /**
   * The authorization server refused the RFC 8707 `resource` parameter (Entra ID v2:
   * AADSTS901002; AADSTS9010010 when it names another resource than the scopes do), so logins
   * and refreshes leave it out. Set only after such a refusal; kept while the server stays the same.
   */
  omitResource?: boolean
}

export async function discoverAuthorization(
  serverUrl: URL,
  challenge: AuthChallenge,
  fetchFn: FetchLike,
): Promise<Discovery> {
  refuseCleartextServer(serverUrl)
  // Checked before anything is fetched: a challenge may point anywhere.
  if (challenge.resourceMetadataUrl)
    parseSafeUrl(
      challenge.resourceMetadataUrl.href,
      "resource_metadata URL in the server's WWW-Authenticate challenge",
    )
  const resourceMetadata = await findResourceMetadata(
    serverUrl,
    challenge,
    onlySafeUrls(fetchFn, 'protected resource metadata URL'),
  )
  if (resourceMetadata) checkResource(serverUrl, resourceMetadata)

  const advertised = resourceMetadata?.authorization_servers?.[0]
  // 2025-03-26: without resource metadata the MCP server's origin is the authorization server.
  const authorizationServerUrl = advertised ?? new URL('/', serverUrl).href
  if (advertised) parseSafeUrl(advertised, 'authorization server URL in the resource metadata')

  let metadata: AuthorizationServerMetadata | undefined
  // Every URL the SDK derives from it (RFC 8414 path-inserted, root, OpenID discovery) is checked too.
  const documents = keepMetadataDocuments(
    onlySafeUrls(fetchFn, 'authorization server metadata URL'),
  )
  try {
    metadata = withUnlistedMembers(
      await discoverAuthorizationServerMetadata(authorizationServerUrl, {
        fetchFn: documents.fetchFn,
        // The issuer is compared only where protected resource metadata named it: without it (MCP
        // 2025-03-26) none was named, and servers such as Atlassian v1 serve another one.
        skipIssuerValidation: !advertised,
      }),
      documents.last(),
    )
  } catch (error) {
    if (error instanceof BridgeError) throw error
    if (error instanceof IssuerMismatchError)
      throw issuerMismatch(authorizationServerUrl, error.received)
    throw new BridgeError(
      'DISCOVERY_FAILED',
      `The authorization server metadata of ${authorizationServerUrl} is malformed: ${summarise(error)}.`,
      {
        hint: 'Report this to the server operator; the metadata must be RFC 8414 or OpenID Connect Discovery JSON.',
        cause: error,
      },
    )
  }
  if (!metadata && advertised) {
    throw new BridgeError(
      'DISCOVERY_FAILED',
      `No authorization server metadata found for ${authorizationServerUrl} (tried RFC 8414 and OpenID Connect discovery).`,
      {
        hint: 'The server names an authorization server that publishes no metadata; report it to the server operator.',
      },
    )
  }
  if (metadata) checkAuthorizationServerMetadata(metadata)

  return {
    legacy: !resourceMetadata,
    authorizationServerUrl,
    ...(challenge.resourceMetadataUrl
      ? { resourceMetadataUrl: challenge.resourceMetadataUrl.href }
      : {}),
    ...(resourceMetadata ? { resourceMetadata } : {}),
    ...(metadata ? { authorizationServerMetadata: metadata } : {}),
  }
}

/**
 * An MCP server reached over plain http on another machine would receive its tokens in clear
 * text, and so would its metadata URLs; refused before any of them is fetched.
 */
function refuseCleartextServer(serverUrl: URL): void {
  if (serverUrl.protocol === 'http:' && !isLoopbackHost(serverUrl.hostname)) {
    throw new BridgeError(
      'UNSAFE_URL',
      `${serverUrl.href} asks for an OAuth login, but it is plain http to another machine: its metadata and the tokens would travel unencrypted.`,
      {
        hint: 'Add the server with its https address; OAuth needs https (plain http only on this machine: localhost, 127.0.0.1, [::1]).',
      },
    )
  }
}

/** A fetch that refuses, before connecting, a URL that is not https (or http on this machine). */
function onlySafeUrls(fetchFn: FetchLike, what: string): FetchLike {
  return async (input, init) => {
    parseSafeUrl(String(input), what)
    return fetchFn(input, init)
  }
}

/** Remembers the raw JSON of the last metadata document fetched successfully. */
function keepMetadataDocuments(fetchFn: FetchLike): {
  fetchFn: FetchLike
  last(): Record<string, unknown> | undefined
} {
  let last: Record<string, unknown> | undefined
  return {
    fetchFn: async (input, init) => {
      const response = await fetchFn(input, init)
      if (response.ok) {
        last = await response
          .clone()
          .json()
          .then(
            (value: unknown) =>
              value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined,
            () => undefined,
          )
      }
      return response
    },
    last: () => last,
  }
}

/**
 * The SDK validates OpenID discovery documents with a schema that drops every member it does not
 * list, among them revocation_endpoint, device_authorization_endpoint and
 * authorization_response_iss_parameter_supported. OpenID-only servers (Entra ID, Keycloak,
 * Shopify customer accounts) would lose revocation at logout, the device grant and the RFC 9207
 * check; the members the schema did not validate are put back (URLs are checked where used).
 */
function withUnlistedMembers(
  metadata: AuthorizationServerMetadata | undefined,
  raw: Record<string, unknown> | undefined,
): AuthorizationServerMetadata | undefined {
  if (!metadata || !raw || raw.issuer !== metadata.issuer) return metadata
  return { ...raw, ...metadata } as AuthorizationServerMetadata
}

async function findResourceMetadata(
  serverUrl: URL,
  challenge: AuthChallenge,
  fetchFn: FetchLike,
): Promise<OAuthProtectedResourceMetadata | undefined> {
  try {
    return await discoverOAuthProtectedResourceMetadata(
      serverUrl,
      challenge.resourceMetadataUrl ? { resourceMetadataUrl: challenge.resourceMetadataUrl } : {},
      fetchFn,
    )
  } catch (error) {
    if (error instanceof BridgeError) throw error
    const message = summarise(error)
    // Only "there is none" leads to the 2025-03-26 fallback; anything else is a broken server.
    if (
      message.includes('does not implement OAuth 2.0 Protected Resource Metadata') &&
      !challenge.resourceMetadataUrl
    ) {
      return undefined
    }
    const where =
      challenge.resourceMetadataUrl?.href ?? `the well-known locations of ${serverUrl.origin}`
    throw new BridgeError(
      'DISCOVERY_FAILED',
      `Cannot use the protected resource metadata at ${where}: ${message}.`,
      {
        hint: 'The server advertises OAuth but its metadata is missing or malformed; report it to the server operator.',
        cause: error,
      },
    )
  }
}

/** RFC 9728 §3.3: metadata for another resource must not be used, or tokens could go astray. */
function checkResource(serverUrl: URL, metadata: OAuthProtectedResourceMetadata): void {
  const allowed = (() => {
    try {
      return checkResourceAllowed({
        requestedResource: serverUrl,
        configuredResource: metadata.resource,
      })
    } catch {
      return false
    }
  })()
  if (!allowed) {
    // Same host, another path: usually the endpoint the server wants (Cloudflare's /sse and /mcp).
    const sameOrigin =
      URL.canParse(metadata.resource) && new URL(metadata.resource).origin === serverUrl.origin
    throw new BridgeError(
      'RESOURCE_MISMATCH',
      `The server at ${serverUrl.href} publishes metadata for a different resource, ${quote(metadata.resource)}; refusing to authorize.`,
      {
        hint: sameOrigin
          ? `If ${metadata.resource} is the MCP endpoint you meant, add that URL instead; otherwise the server is misconfigured: report it to its operator.`
          : 'Check the URL. If it is right, the server is misconfigured (or hostile): report it to its operator.',
      },
    )
  }
}

/**
 * The metadata must name the issuer its URL was built from, or it must not be used (MCP
 * 2026-07-28 authorization-server-discovery.mdx §Authorization Server Metadata Discovery; RFC
 * 8414 §3.3): otherwise a resource could send the login, and the credentials, to endpoints of
 * another authorization server. The SDK compares (simple string comparison, forgiving only one
 * trailing slash); this says it in the words of a login.
 */
function issuerMismatch(advertised: string, issuer: string | undefined): BridgeError {
  return new BridgeError(
    'DISCOVERY_FAILED',
    `The authorization server metadata found for ${quote(advertised)} names another issuer, ${quote(issuer ?? '(none)')}; refusing to use it.`,
    {
      hint: "The server's protected resource metadata and its authorization server disagree (or the metadata was tampered with); report it to the server operator.",
    },
  )
}

/**
 * The authorization server credentials are bound to, as SDK 2 stamps them (MCP 2026-07-28
 * client-registration.mdx §Authorization Server Binding): the issuer of its metadata, else the URL
 * discovery used.
 */
export function credentialIssuer(discovery: OAuthDiscoveryState): string {
  return discovery.authorizationServerMetadata?.issuer ?? discovery.authorizationServerUrl
}

/**
 * Whether a stamp names the authorization server of this discovery: its issuer, or the URL it was
 * found at (the stamp of 1.x clients and tokens), with the one trailing slash the SDK forgives too.
 */
export function boundToThisServer(stamp: string, discovery: OAuthDiscoveryState): boolean {
  const same = (a: string, b: string): boolean => a === b || a === `${b}/` || b === `${a}/`
  return same(stamp, discovery.authorizationServerUrl) || same(stamp, credentialIssuer(discovery))
}

function checkAuthorizationServerMetadata(metadata: AuthorizationServerMetadata): void {
  parseSafeUrl(metadata.authorization_endpoint, 'authorization_endpoint')
  parseSafeUrl(metadata.token_endpoint, 'token_endpoint')
  if (metadata.registration_endpoint)
    parseSafeUrl(metadata.registration_endpoint, 'registration_endpoint')
  const methods = metadata.code_challenge_methods_supported
  // MCP 2025-11-25 §Authorization Code Protection: refuse when S256 is not advertised.
  if (!methods?.includes('S256')) {
    throw new BridgeError(
      'PKCE_UNSUPPORTED',
      `The authorization server ${metadata.issuer} does not advertise PKCE with S256${methods ? ` (it lists ${methods.join(', ') || 'nothing'})` : ''}; refusing to continue.`,
      {
        hint: 'Without PKCE an intercepted authorization code could be used by someone else. Ask the server operator to enable S256.',
      },
    )
  }
}

export { summarise }
