// "A valid access token for server X": refreshes ahead of expiry and after a rejection, one
// refresh at a time per server (concurrent callers share it; other processes wait on the
// store's lock and then see the new token), saves a rotated refresh token before the new access
// token is used, and turns a refused refresh into "log in again". How a token is renewed (the
// OAuth requests) is handed in as `refresh`, so this module knows tokens, not the protocol.
import type { ServerEntry } from '../config/schema.js'
import { BridgeError } from '../errors.js'
import { loginRequired } from './login-required.js'
import { saveTokens } from './save-tokens.js'
import type { ServerSecrets, TokenStore } from './store.js'
import type { StoredTokens } from './token.js'

/** What renewing a server's token came to: new tokens, or a refusal only a new login mends. */
export type RefreshOutcome =
  | { kind: 'renewed'; tokens: StoredTokens }
  /** `client`: the refusal named the client, which is forgotten (registered by the bridge) or kept. */
  | { kind: 'refused'; reason: string; client?: 'forget' | 'keep' }

/** Renews the token of one server (refresh token, or the client credentials grant again). */
export type TokenRefresh = (request: {
  name: string
  server: ServerEntry
  secrets: ServerSecrets
  store: TokenStore
}) => Promise<RefreshOutcome>

export interface TokenManagerOptions {
  store: TokenStore
  lookupServer: (name: string) => Promise<ServerEntry>
  refresh: TokenRefresh
  now?: () => number
}

interface CachedToken {
  token: string
  expiresAt: number | undefined
  obtainedAt: number
}

const MAX_REFRESH_MARGIN_MS = 60_000

/** Fresh means: no known expiry, or more left than a tenth of its life (at most a minute). */
export function isFresh(
  tokens: { expires_at?: number; obtained_at: number },
  now: number,
): boolean {
  if (tokens.expires_at === undefined) return true
  const lifetime = Math.max(0, tokens.expires_at - tokens.obtained_at)
  const margin = Math.min(MAX_REFRESH_MARGIN_MS, lifetime / 10)
  return tokens.expires_at - now > margin
}

export class TokenManager {
  readonly #store: TokenStore
  readonly #lookupServer: (name: string) => Promise<ServerEntry>
  readonly #refresh: TokenRefresh
  readonly #now: () => number
  readonly #cache = new Map<string, CachedToken>()
  readonly #inflight = new Map<string, Promise<string>>()

  constructor(options: TokenManagerOptions) {
    this.#store = options.store
    this.#lookupServer = options.lookupServer
    this.#refresh = options.refresh
    this.#now = options.now ?? Date.now
  }

  /** A token that is valid now, refreshed first if it is about to expire. */
  accessToken(name: string): Promise<string> {
    const cached = this.#cache.get(name)
    if (
      cached &&
      isFresh(
        {
          obtained_at: cached.obtainedAt,
          ...(cached.expiresAt ? { expires_at: cached.expiresAt } : {}),
        },
        this.#now(),
      )
    ) {
      return Promise.resolve(cached.token)
    }
    return this.#renew(name, undefined)
  }

  /**
   * The server rejected `rejected`: get a different one (from another process, or a refresh).
   * 'login-needed' when only a new login can: an OAuth grant without a refresh token (the running
   * bridge then logs in again while the request waits; the resource may even name another
   * authorization server now, MCP 2026-07-28 §Authorization Server Binding). Any other failure
   * (a refused refresh, a missing client) throws, worded for the person.
   */
  async replaceRejected(name: string, rejected: string): Promise<'replaced' | 'login-needed'> {
    const cached = this.#cache.get(name)
    if (cached?.token === rejected) this.#cache.delete(name)
    try {
      await this.#renew(name, rejected)
      return 'replaced'
    } catch (error) {
      if (await this.#onlyLoginRenews(name, error)) return 'login-needed'
      throw error
    }
  }

  async #onlyLoginRenews(name: string, error: unknown): Promise<boolean> {
    if (!(error instanceof BridgeError) || error.code !== 'LOGIN_REQUIRED') return false
    const [server, secrets] = await Promise.all([this.#lookupServer(name), this.#store.get(name)])
    return server.auth === 'oauth' && !secrets?.tokens?.refresh_token
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
    if (
      tokens &&
      tokens.access_token !== rejected &&
      isFresh(tokens, this.#now()) &&
      !secrets.loginRequired
    ) {
      return this.#remember(name, tokens)
    }
    if (secrets.loginRequired)
      throw loginRequired(
        name,
        secrets.loginRequired.reason,
        secrets.loginRequired.clientRefused ? secrets.client?.client_id : undefined,
      )
    const server = await this.#lookupServer(name)
    if (server.auth !== 'client_credentials') {
      if (!tokens) throw loginRequired(name, 'it has no token (never logged in, or logged out)')
      if (!tokens.refresh_token) {
        return this.#requireLogin(
          name,
          tokens.access_token === rejected
            ? 'the server rejected the token and gave no refresh token'
            : 'the token expired and the server gave no refresh token',
        )
      }
    }
    const outcome = await this.#refresh({ name, server, secrets, store: this.#store })
    if (outcome.kind === 'refused') return this.#requireLogin(name, outcome.reason, outcome.client)
    // Saved before use: with rotation the old refresh token is already spent.
    await saveTokens(this.#store, name, outcome.tokens)
    return this.#remember(name, outcome.tokens)
  }

  /** `refusedClient`: the refusal named the client, which is forgotten (registered by the bridge) or kept. */
  async #requireLogin(
    name: string,
    reason: string,
    refusedClient?: 'forget' | 'keep',
  ): Promise<never> {
    const updated = await this.#store.update(name, (current) => {
      const next: ServerSecrets = {
        ...current,
        loginRequired: {
          reason,
          since: new Date(this.#now()).toISOString(),
          ...(refusedClient === 'keep' ? { clientRefused: true } : {}),
        },
      }
      if (refusedClient === 'forget') {
        delete next.client
        delete next.clientSource
      }
      return next
    })
    this.#cache.delete(name)
    throw loginRequired(
      name,
      reason,
      refusedClient === 'keep' ? updated?.client?.client_id : undefined,
    )
  }

  #remember(name: string, tokens: StoredTokens): string {
    this.#cache.set(name, {
      token: tokens.access_token,
      expiresAt: tokens.expires_at,
      obtainedAt: tokens.obtained_at,
    })
    return tokens.access_token
  }
}
