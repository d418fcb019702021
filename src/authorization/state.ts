// The authorization server's lasting state: registered clients and grants, with token hashes
// only. It lives in the encrypted token store (tokens.json); this module keeps a copy in memory
// with indexes by token hash, so checking a client's token on each request costs one SHA-256.
import type { ClientRecord } from './client-metadata.js'

export interface Grant {
  id: string
  clientId: string
  /** The name the person saw on the consent page. */
  clientName: string
  source: ClientRecord['source']
  /** The server this grant reaches (`/mcp/<name>`), or '*' for every server of the bridge. */
  resource: string
  createdAt: number
  lastUsedAt?: number
  accessTokenHash: string
  accessExpiresAt: number
  refreshTokenHash: string
  refreshExpiresAt: number
  /** Refresh tokens rotated away; one presented again means the grant leaked (OAuth 2.1 §4.3.1). */
  retiredRefreshHashes: string[]
}

export interface AuthorizationData {
  clients: Record<string, ClientRecord>
  grants: Record<string, Grant>
}

/** What the encrypted store offers this module (EncryptedFileTokenStore has both). */
export interface AuthorizationStateStore {
  authorizationState(): Promise<unknown>
  updateAuthorizationState<T>(change: (current: T | undefined) => T): Promise<T>
}

export function emptyState(): AuthorizationData {
  return { clients: {}, grants: {} }
}

function normalise(value: unknown): AuthorizationData {
  const data = (value ?? {}) as Partial<AuthorizationData>
  return { clients: data.clients ?? {}, grants: data.grants ?? {} }
}

export class StateCopy {
  readonly #store: AuthorizationStateStore
  #data: AuthorizationData = emptyState()
  #byAccess = new Map<string, Grant>()
  #byRefresh = new Map<string, Grant>()
  #loading: Promise<void> | undefined

  constructor(store: AuthorizationStateStore) {
    this.#store = store
  }

  /** The current copy, reading the store first when it may have changed. */
  async current(): Promise<AuthorizationData> {
    this.#loading ??= this.#store
      .authorizationState()
      .then((value) => this.#adopt(normalise(value)))
    await this.#loading
    return this.#data
  }

  /** Another process changed tokens.json: read it again on next use. */
  invalidate(): void {
    this.#loading = undefined
  }

  /** Changes the stored state under the store's lock and adopts the result. */
  async change(edit: (data: AuthorizationData) => void): Promise<AuthorizationData> {
    const next = await this.#store.updateAuthorizationState<AuthorizationData>((stored) => {
      const data = normalise(stored)
      edit(data)
      return data
    })
    this.#adopt(next)
    this.#loading = Promise.resolve()
    return next
  }

  byAccessHash(hash: string): Grant | undefined {
    return this.#byAccess.get(hash)
  }

  byRefreshHash(hash: string): Grant | undefined {
    return this.#byRefresh.get(hash)
  }

  #adopt(data: AuthorizationData): void {
    this.#data = data
    this.#byAccess = new Map()
    this.#byRefresh = new Map()
    for (const grant of Object.values(data.grants)) {
      this.#byAccess.set(grant.accessTokenHash, grant)
      this.#byRefresh.set(grant.refreshTokenHash, grant)
      for (const retired of grant.retiredRefreshHashes) this.#byRefresh.set(retired, grant)
    }
  }
}
