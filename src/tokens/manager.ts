// "A valid access token for server X": refreshes ahead of expiry and after a rejection, one
// refresh at a time per server (concurrent callers share it; other processes wait on the
// store's lock and then see the new token), saves a rotated refresh token before the new access
// token is used, and turns a refused refresh into "log in again".
import { OAuthError, InvalidGrantError, ServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { BridgeError, quote, summarise } from '../errors.js'
import { createGuardedFetch, recordFailures, type FailedAnswer, type FetchLike } from '../oauth/http.js'
import { toStoredTokens } from '../oauth/provider.js'
import { rememberAcceptedClient, tokenEndpointRefusesClient } from '../oauth/forgotten-client.js'
import type { Discovery } from '../oauth/discovery.js'
import type { ServerEntry } from '../config/schema.js'
import type { ServerSecrets, StoredTokens, TokenStore } from './store.js'

export interface TokenManagerOptions {
  store: TokenStore
  lookupServer: (name: string) => Promise<ServerEntry>
  fetchFn?: FetchLike
  now?: () => number
}

interface CachedToken {
  token: string
  expiresAt: number | undefined
  obtainedAt: number
}

const MAX_REFRESH_MARGIN_MS = 60_000

/** Fresh means: no known expiry, or more left than a tenth of its life (at most a minute). */
export function isFresh(tokens: { expires_at?: number; obtained_at: number }, now: number): boolean {
  if (tokens.expires_at === undefined) return true
  const lifetime = Math.max(0, tokens.expires_at - tokens.obtained_at)
  const margin = Math.min(MAX_REFRESH_MARGIN_MS, lifetime / 10)
  return tokens.expires_at - now > margin
}

export class TokenManager {
  readonly #store: TokenStore
  readonly #lookupServer: (name: string) => Promise<ServerEntry>
  readonly #fetch: FetchLike
  readonly #now: () => number
  readonly #cache = new Map<string, CachedToken>()
  readonly #inflight = new Map<string, Promise<string>>()

  constructor(options: TokenManagerOptions) {
    this.#store = options.store
    this.#lookupServer = options.lookupServer
    this.#fetch = createGuardedFetch(options.fetchFn ? { fetchFn: options.fetchFn } : {})
    this.#now = options.now ?? Date.now
  }

  /** A token that is valid now, refreshed first if it is about to expire. */
  accessToken(name: string): Promise<string> {
    const cached = this.#cache.get(name)
    if (cached && isFresh({ obtained_at: cached.obtainedAt, ...(cached.expiresAt ? { expires_at: cached.expiresAt } : {}) }, this.#now())) {
      return Promise.resolve(cached.token)
    }
    return this.#renew(name, undefined)
  }

  /** The server rejected `rejected`: get a different one (from another process, or a refresh). */
  replaceRejected(name: string, rejected: string): Promise<string> {
    const cached = this.#cache.get(name)
    if (cached?.token === rejected) this.#cache.delete(name)
    return this.#renew(name, rejected)
  }

  /** Drops what is cached, e.g. after `login` or `logout` changed the store. */
  forget(name?: string): void {
    if (name === undefined) this.#cache.clear()
    else this.#cache.delete(name)
  }

  #renew(name: string, rejected: string | undefined): Promise<string> {
    const running = this.#inflight.get(name)
    if (running) return running
    const renewal = this.#store
      .exclusive(name, () => this.#renewLocked(name, rejected))
      .finally(() => this.#inflight.delete(name))
    this.#inflight.set(name, renewal)
    return renewal
  }

  async #renewLocked(name: string, rejected: string | undefined): Promise<string> {
    // Another process (or an earlier caller) may have refreshed while we waited for the lock.
    const secrets = (await this.#store.get(name)) ?? {}
    const tokens = secrets.tokens
    if (tokens && tokens.access_token !== rejected && isFresh(tokens, this.#now()) && !secrets.loginRequired) {
      return this.#remember(name, tokens)
    }
    if (secrets.loginRequired) throw loginRequired(name, secrets.loginRequired.reason, secrets.loginRequired.clientRefused ? secrets.client?.client_id : undefined)
    const server = await this.#lookupServer(name)
    if (server.auth === 'client_credentials') return this.#clientCredentials(name, server, secrets)
    if (!tokens) throw loginRequired(name, 'it has no token yet')
    if (!tokens.refresh_token) {
      return this.#requireLogin(name, tokens.access_token === rejected
        ? 'the server rejected the token and gave no refresh token'
        : 'the token expired and the server gave no refresh token')
    }
    return this.#refresh(name, secrets, tokens)
  }

  async #refresh(name: string, secrets: ServerSecrets, tokens: StoredTokens): Promise<string> {
    const discovery = secrets.discovery as Discovery | undefined
    if (!discovery || !secrets.client) return this.#requireLogin(name, 'its login data is incomplete')
    const metadata = discovery.authorizationServerMetadata
    const failures = recordFailures(this.#fetch)
    const resource = refreshResource(discovery)
    let refreshed
    try {
      // The SDK's OAuth client (and its schemas) load on the first refresh, not at start-up.
      const { refreshAuthorization } = await import('@modelcontextprotocol/sdk/client/auth.js')
      refreshed = await refreshAuthorization(discovery.authorizationServerUrl, {
        ...(metadata ? { metadata } : {}),
        clientInformation: secrets.client,
        refreshToken: tokens.refresh_token as string,
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
        const refusedClient = !refusal.clientRefused ? undefined
          : secrets.clientSource === 'dynamic' ? 'forget'
          : secrets.clientSource === 'pre-registered' ? 'keep'
          : undefined
        const reason = `the server refused to refresh the token (${refusal.said})${refusedClient === 'forget' ? ' and no longer knows the client the bridge registered; `login` registers a new one' : ''}`
        return this.#requireLogin(name, reason, refusedClient)
      }
      const endpoint = metadata?.token_endpoint ?? new URL('/token', discovery.authorizationServerUrl).href
      // The server's own answer where there was one (PayPal's HTML 500 page is "an HTML page", not its markup).
      const answer = failures.last()
      const said = answer ? `HTTP ${answer.status}: ${answer.said}` : `${error instanceof OAuthError ? error.errorCode + ' ' : ''}${quote(summarise(error))}`
      throw new BridgeError('REFRESH_FAILED', `Refreshing the token of ${quote(name)} failed at ${endpoint}: ${said}.`, {
        hint: `This may pass; try again. If it persists, run \`mcp-oauth-bridge login ${name}\`.`,
        cause: error,
      })
    }
    rememberAcceptedClient(discovery.authorizationServerUrl, secrets.client.client_id)
    const stored = toStoredTokens({ ...refreshed, issuer: discovery.authorizationServerUrl }, this.#now())
    // Saved before use: with rotation the old refresh token is already spent.
    await this.#store.update(name, (current) => ({ ...current, tokens: stored }))
    return this.#remember(name, stored)
  }

  async #clientCredentials(name: string, server: ServerEntry, secrets: ServerSecrets): Promise<string> {
    const discovery = secrets.discovery
    if (!discovery) return this.#requireLogin(name, 'its login data is incomplete')
    const [{ auth }, { clientCredentialsProvider }] = await Promise.all([import('@modelcontextprotocol/sdk/client/auth.js'), import('../oauth/client-credentials.js')])
    const provider = clientCredentialsProvider({ name, store: this.#store, secrets, discovery, scope: server.scope ?? secrets.requestedScope })
    try {
      await auth(provider, { serverUrl: server.url, ...(server.scope ? { scope: server.scope } : {}), fetchFn: this.#fetch })
    } catch (error) {
      throw new BridgeError('REFRESH_FAILED', `Getting a new token for ${quote(name)} with the client credentials grant failed: ${quote(summarise(error))}.`, {
        hint: `Check the client credentials, then run \`mcp-oauth-bridge login ${name}\`.`,
        cause: error,
      })
    }
    const tokens = (await this.#store.get(name))?.tokens
    if (!tokens) throw loginRequired(name, 'the token endpoint returned no token')
    return this.#remember(name, tokens)
  }

  /** `refusedClient`: the refusal named the client, which is forgotten (registered by the bridge) or kept. */
  async #requireLogin(name: string, reason: string, refusedClient?: 'forget' | 'keep'): Promise<never> {
    const updated = await this.#store.update(name, (current) => {
      const next: ServerSecrets = {
        ...current,
        loginRequired: { reason, since: new Date(this.#now()).toISOString(), ...(refusedClient === 'keep' ? { clientRefused: true } : {}) },
      }
      if (refusedClient === 'forget') {
        delete next.client
        delete next.clientSource
      }
      return next
    })
    this.#cache.delete(name)
    throw loginRequired(name, reason, refusedClient === 'keep' ? updated?.client?.client_id : undefined)
  }

  #remember(name: string, tokens: StoredTokens): string {
    this.#cache.set(name, { token: tokens.access_token, expiresAt: tokens.expires_at, obtainedAt: tokens.obtained_at })
    return tokens.access_token
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
function refreshRefusal(error: unknown, answer: FailedAnswer | undefined): { said: string; clientRefused: boolean } | undefined {
  if (error instanceof InvalidGrantError) return { said: `${error.errorCode}${error.message ? `: ${error.message}` : ''}`, clientRefused: false }
  if (!tokenEndpointRefusesClient(error, answer)) return undefined
  if (error instanceof OAuthError && !(error instanceof ServerError)) return { said: `${error.errorCode}${error.message ? `: ${error.message}` : ''}`, clientRefused: true }
  return { said: answer ? `HTTP ${answer.status}: ${answer.said}` : quote(summarise(error)), clientRefused: true }
}

/** `keptClientId`: the refused client was given with --client-id, so a login alone may not help. */
export function loginRequired(name: string, reason: string, keptClientId?: string): BridgeError {
  return new BridgeError('LOGIN_REQUIRED', `${quote(name)} needs a new login: ${reason}.`, {
    hint: keptClientId
      ? `The client ${quote(keptClientId)} was given with --client-id, so the bridge keeps it: check in the provider's settings that it still exists (and its secret), then run \`mcp-oauth-bridge login ${name}\`. ` +
        `If it was deleted, register a new one, then \`mcp-oauth-bridge remove ${name}\` and \`mcp-oauth-bridge add\` it again with the new --client-id.`
      : `Run \`mcp-oauth-bridge login ${name}\`.`,
  })
}
