// "A valid access token for server X": refreshes ahead of expiry and after a rejection, one
// refresh at a time per server (concurrent callers share it; other processes wait on the
// store's lock and then see the new token), saves a rotated refresh token before the new access
// token is used, and turns a refused refresh into "log in again".
import { auth, refreshAuthorization } from '@modelcontextprotocol/sdk/client/auth.js'
import { OAuthError, InvalidGrantError, InvalidClientError, UnauthorizedClientError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { BridgeError, quote } from '../errors.js'
import { createGuardedFetch, type FetchLike } from '../oauth/http.js'
import { clientCredentialsProvider } from '../oauth/flow.js'
import { toStoredTokens } from '../oauth/provider.js'
import { summarise } from '../oauth/discovery.js'
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
    if (secrets.loginRequired) throw loginRequired(name, secrets.loginRequired.reason)
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
    const discovery = secrets.discovery
    if (!discovery || !secrets.client) return this.#requireLogin(name, 'its login data is incomplete')
    const metadata = discovery.authorizationServerMetadata
    let refreshed
    try {
      refreshed = await refreshAuthorization(discovery.authorizationServerUrl, {
        ...(metadata ? { metadata } : {}),
        clientInformation: secrets.client,
        refreshToken: tokens.refresh_token as string,
        // The same resource indicator as the original grant (RFC 8707 §2), verbatim.
        ...(discovery.resourceMetadata ? { resource: new URL(discovery.resourceMetadata.resource) } : {}),
        fetchFn: this.#fetch,
      })
    } catch (error) {
      if (error instanceof InvalidGrantError || error instanceof InvalidClientError || error instanceof UnauthorizedClientError) {
        return this.#requireLogin(name, `the server refused to refresh the token (${error.errorCode}${error.message ? `: ${error.message}` : ''})`)
      }
      const endpoint = metadata?.token_endpoint ?? new URL('/token', discovery.authorizationServerUrl).href
      throw new BridgeError('REFRESH_FAILED', `Refreshing the token of ${quote(name)} failed at ${endpoint}: ${error instanceof OAuthError ? error.errorCode + ' ' : ''}${quote(summarise(error))}.`, {
        hint: `This may pass; try again. If it persists, run \`mcp-oauth-bridge login ${name}\`.`,
        cause: error,
      })
    }
    const stored = toStoredTokens({ ...refreshed, issuer: discovery.authorizationServerUrl }, this.#now())
    // Saved before use: with rotation the old refresh token is already spent.
    await this.#store.update(name, (current) => ({ ...current, tokens: stored }))
    return this.#remember(name, stored)
  }

  async #clientCredentials(name: string, server: ServerEntry, secrets: ServerSecrets): Promise<string> {
    const discovery = secrets.discovery
    if (!discovery) return this.#requireLogin(name, 'its login data is incomplete')
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

  async #requireLogin(name: string, reason: string): Promise<never> {
    await this.#store.update(name, (current) => ({ ...current, loginRequired: { reason, since: new Date(this.#now()).toISOString() } }))
    this.#cache.delete(name)
    throw loginRequired(name, reason)
  }

  #remember(name: string, tokens: StoredTokens): string {
    this.#cache.set(name, { token: tokens.access_token, expiresAt: tokens.expires_at, obtainedAt: tokens.obtained_at })
    return tokens.access_token
  }
}

export function loginRequired(name: string, reason: string): BridgeError {
  return new BridgeError('LOGIN_REQUIRED', `${quote(name)} needs a new login: ${reason}.`, {
    hint: `Run \`mcp-oauth-bridge login ${name}\`.`,
  })
}
