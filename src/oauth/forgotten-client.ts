// Clients an authorization server no longer knows. Registrations do not last: workers-oauth-provider
// expires them after 90 days, Supabase's expire, a development server with in-memory storage
// forgets them at every restart. A login that reuses such a client sends the person to a page that
// refuses it while the command waits, so the bridge notices the refusal first: a client it
// registered itself is dropped and registered again; one the person gave (--client-id, a client
// ID metadata document) is kept, and the error says what to do with it.
import { OAuthErrorCode } from '@modelcontextprotocol/client'
import { BridgeError, quote } from '../errors.js'
import type { ServerSecrets, TokenStore } from '../tokens/store.js'
import type { FailedAnswer } from './http.js'
import { isDefinedRefusal, oauthRefusal } from './oauth-error.js'
import type { AuthChallenge } from './probe.js'
import type { AuthorizationRequestVerdict } from './redirect-check.js'
import { commandLine } from '../cli/commands-named.js'

/**
 * Clients this process saw the server accept (registered, tokens issued, a refresh, a checked
 * authorization request), per authorization server. In memory only: proof that the server knew
 * the client moments ago, which is all the check before a login needs.
 */
const acceptedHere = new Set<string>()

export function rememberAcceptedClient(authorizationServerUrl: string, clientId: string): void {
  acceptedHere.add(`${authorizationServerUrl} ${clientId}`)
}

function wasAcceptedHere(authorizationServerUrl: string, clientId: string): boolean {
  return acceptedHere.has(`${authorizationServerUrl} ${clientId}`)
}

/**
 * Whether the stored client's authorization request is loaded once without the browser before the
 * person is sent there. For a client the bridge registered: unless this process saw the server
 * accept it, or the login is a step-up (the resource server just accepted a token issued to it and
 * asks only for more scope; and every extra authorization request counts against servers that
 * limit them, as the conformance suite's scope-retry-limit does). For a client given with
 * --client-id: only after the server refused it at a refresh (its first login has its own check).
 */
export function storedClientNeedsCheck(
  secrets: ServerSecrets,
  authorizationServerUrl: string,
  challenge: AuthChallenge,
): boolean {
  const client = secrets.client
  if (!client) return false
  if (secrets.clientSource === 'dynamic') {
    return (
      !wasAcceptedHere(authorizationServerUrl, client.client_id) &&
      challenge.error !== 'insufficient_scope'
    )
  }
  if (secrets.clientSource === 'pre-registered')
    return secrets.loginRequired?.clientRefused === true
  return false
}

const CLIENT_ERRORS = new Set(['invalid_client', 'unauthorized_client'])
/** Statuses that say "come back later", not "no". */
const PASSING_STATUSES = new Set([408, 429, 502, 503, 504])

/**
 * Whether a refused authorization request says the client is unknown: an OAuth error naming the
 * client (invalid_client, unauthorized_client, invalid_request about the client), or an error page
 * in the server's own words (Supabase's 422 {"message"}, an HTML 400 page) that is not a passing failure.
 */
export function refusesClient(verdict: AuthorizationRequestVerdict): boolean {
  if (verdict.kind !== 'refused') return false
  if (verdict.error)
    return (
      CLIENT_ERRORS.has(verdict.error) ||
      (verdict.error === 'invalid_request' && /client/i.test(verdict.description ?? ''))
    )
  return (
    verdict.status !== undefined && verdict.status >= 400 && !PASSING_STATUSES.has(verdict.status)
  )
}

/**
 * Whether a token endpoint's refusal names the client rather than the grant: invalid_client or
 * unauthorized_client, or a 4xx that is not OAuth JSON (Supabase's `422 {"message":"Unrecognized
 * client_id"}`, or a code of the server's own), except 408 and 429.
 */
export function tokenEndpointRefusesClient(
  error: unknown,
  answer: FailedAnswer | undefined,
): boolean {
  const refusal = oauthRefusal(error)
  if (
    refusal?.code === OAuthErrorCode.InvalidClient ||
    refusal?.code === OAuthErrorCode.UnauthorizedClient
  )
    return true
  if (isDefinedRefusal(refusal)) return false
  return (
    answer !== undefined &&
    answer.status >= 400 &&
    answer.status < 500 &&
    !PASSING_STATUSES.has(answer.status)
  )
}

/** Drops the stored client if it is still `clientId`, so the next step registers a new one. */
export async function forgetClient(
  store: TokenStore,
  name: string,
  clientId: string,
): Promise<void> {
  await store.update(name, (secrets) => {
    if (secrets.client?.client_id !== clientId) return secrets
    const { client: _dropped, clientSource: _source, ...rest } = secrets
    return rest
  })
}

/** A client given with --client-id that the server refuses: kept, and the way out spelt out. */
export function handRegisteredClientRefused(
  secrets: ServerSecrets,
  said: string,
  context: { name: string; serverUrl: URL; redirectUri: string },
): BridgeError {
  const clientId = secrets.client?.client_id ?? '<ID>'
  const secret = secrets.client?.client_secret ? ' --client-secret <SECRET>' : ''
  return new BridgeError(
    'AUTHORIZATION_FAILED',
    `The authorization server refused to start a login for the client ${quote(clientId)} given with --client-id: it said ${said}.`,
    {
      hint:
        `The client was registered by hand, so the bridge keeps it. Check in the provider's settings that it still exists, is enabled and lists the redirect URI ${context.redirectUri}, then run \`${commandLine.login(context.name)}\` again.\n` +
        `  If it was deleted, register a new one and add the server again with it:\n` +
        `    ${commandLine.remove(context.name)}\n` +
        `    ${commandLine.add(context.name, context.serverUrl.href, `--client-id <NEW ID>${secret} --callback-port ${new URL(context.redirectUri).port}`)}`,
    },
  )
}
