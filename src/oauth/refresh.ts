// The OAuth side of keeping a token valid, handed to the token manager as its `refresh`: the
// refresh token grant (or, for machine-to-machine servers, the client credentials grant again),
// and what a refusal means: only a new login helps, and perhaps the client itself is gone.
import { OAuthErrorCode } from '@modelcontextprotocol/client'
import { BridgeError, quote, summarise } from '../errors.js'
import type { RefreshOutcome, TokenRefresh } from '../tokens/manager.js'
import type { ServerSecrets, StoredClient } from '../tokens/store.js'
import { fromTokenResponse, type StoredTokens } from '../tokens/token.js'
import { credentialIssuer, type Discovery } from './discovery.js'
import { rememberAcceptedClient, tokenEndpointRefusesClient } from './forgotten-client.js'
import { createGuardedFetch, recordFailures, type FailedAnswer, type FetchLike } from './http.js'
import { describeRefusal, isDefinedRefusal, oauthRefusal } from './oauth-error.js'
import { commandLine } from '../cli/commands-named.js'

export function createTokenRefresh(
  options: { fetchFn?: FetchLike; now?: () => number } = {},
): TokenRefresh {
  const fetchFn = createGuardedFetch(options.fetchFn ? { fetchFn: options.fetchFn } : {})
  const now = options.now ?? Date.now
  return async ({ name, server, secrets, store }) => {
    if (server.auth === 'client_credentials') {
      if (!secrets.discovery) return { kind: 'refused', reason: 'its login data is incomplete' }
      // Loaded on first use, like the SDK it drives: most bridges never need it.
      const { renewWithClientCredentials } = await import('./grants/client-credentials.js')
      return {
        kind: 'renewed',
        tokens: await renewWithClientCredentials({
          name,
          server,
          secrets,
          store,
          discovery: secrets.discovery,
          fetchFn,
          now,
        }),
      }
    }
    const discovery = secrets.discovery as Discovery | undefined
    if (!discovery || !secrets.client || !secrets.tokens)
      return { kind: 'refused', reason: 'its login data is incomplete' }
    return refreshGrant(
      name,
      { ...secrets, client: secrets.client, tokens: secrets.tokens },
      discovery,
      fetchFn,
      now,
    )
  }
}

async function refreshGrant(
  name: string,
  secrets: ServerSecrets & { client: StoredClient; tokens: StoredTokens },
  discovery: Discovery,
  fetchFn: FetchLike,
  now: () => number,
): Promise<RefreshOutcome> {
  const metadata = discovery.authorizationServerMetadata
  const failures = recordFailures(fetchFn)
  const resource = refreshResource(discovery)
  let refreshed
  try {
    // The SDK's OAuth client (and its schemas) load on the first refresh, not at start-up.
    const { refreshAuthorization } = await import('@modelcontextprotocol/client')
    refreshed = await refreshAuthorization(discovery.authorizationServerUrl, {
      ...(metadata ? { metadata } : {}),
      clientInformation: secrets.client,
      refreshToken: secrets.tokens.refresh_token as string,
      ...(resource ? { resource } : {}),
      fetchFn: failures.fetchFn,
    })
  } catch (error) {
    const refusal = refreshRefusal(error, failures.last())
    if (refusal) {
      // A client the server no longer knows (workers-oauth-provider expires registrations after
      // 90 days; Supabase answers "Unrecognized client_id") must be registered anew: `login`
      // would otherwise send the person to an authorization page that refuses it. A client the
      // person registered by hand is kept; the next login checks it before the browser opens.
      const client = !refusal.clientRefused
        ? undefined
        : secrets.clientSource === 'dynamic'
          ? 'forget'
          : secrets.clientSource === 'pre-registered'
            ? 'keep'
            : undefined
      const reason = `the server refused to refresh the token (${refusal.said})${client === 'forget' ? ' and no longer knows the client the bridge registered; `login` registers a new one' : ''}`
      return { kind: 'refused', reason, ...(client ? { client } : {}) }
    }
    const endpoint =
      metadata?.token_endpoint ?? new URL('/token', discovery.authorizationServerUrl).href
    // The server's own answer where there was one (PayPal's HTML 500 page is "an HTML page", not its markup).
    const answer = failures.last()
    const code = oauthRefusal(error)?.code
    const said = answer
      ? `HTTP ${answer.status}: ${answer.said}`
      : `${code ? code + ' ' : ''}${quote(summarise(error))}`
    throw new BridgeError(
      'REFRESH_FAILED',
      `Refreshing the token of ${quote(name)} failed at ${endpoint}: ${said}.`,
      {
        hint: `This may pass; try again. If it persists, run \`${commandLine.login(name)}\`.`,
        cause: error,
      },
    )
  }
  rememberAcceptedClient(discovery.authorizationServerUrl, secrets.client.client_id)
  return {
    kind: 'renewed',
    tokens: fromTokenResponse({ ...refreshed, issuer: credentialIssuer(discovery) }, now()),
  }
}

/**
 * The resource indicator of the original grant (RFC 8707 §2), as the metadata spells it: a URL
 * object would add a "/" to a bare origin (Stripe's `https://mcp.stripe.com`), which servers that
 * match exactly refuse with invalid_target. None where the server refused the parameter at login.
 */
function refreshResource(discovery: Discovery): string | undefined {
  if (discovery.omitResource) return undefined
  return discovery.resourceMetadata?.resource
}

/**
 * Whether a failed refresh is the server saying no (only a new login helps) rather than a failure
 * that may pass. OAuth's invalid_grant, invalid_client and unauthorized_client say no; so does a
 * 4xx that is not OAuth JSON (Supabase's `422 {"message":"Unrecognized client_id"}`), except
 * 408 and 429, which ask to come back later. `clientRefused`: the client, not the grant, is the problem.
 */
function refreshRefusal(
  error: unknown,
  answer: FailedAnswer | undefined,
): { said: string; clientRefused: boolean } | undefined {
  const refusal = oauthRefusal(error)
  if (refusal?.code === OAuthErrorCode.InvalidGrant)
    return { said: describeRefusal(refusal), clientRefused: false }
  if (!tokenEndpointRefusesClient(error, answer)) return undefined
  if (isDefinedRefusal(refusal)) return { said: describeRefusal(refusal), clientRefused: true }
  return {
    said: answer ? `HTTP ${answer.status}: ${answer.said}` : quote(summarise(error)),
    clientRefused: true,
  }
}
