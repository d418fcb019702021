// Grants: what a person allowed on the consent page, and the tokens that carry it. An access
// token reaches one server (or all, as chosen) for an hour; its refresh token rotates on every
// use, and presenting a rotated one revokes the whole grant (OAuth 2.1 §4.3.1, since a second
// use means someone else holds a copy). Revoking a client ends its grants at once.
import {
  ACCESS_TOKEN_PREFIX,
  ACCESS_TOKEN_SECONDS,
  REFRESH_TOKEN_PREFIX,
  REFRESH_TOKEN_SECONDS,
  hashSecret,
  newId,
  newSecret,
} from './credentials.js'
import type { ClientRecord } from './client-metadata.js'
import type { Grant, StateCopy } from './state.js'

export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
  grant: Grant
}

export type RefreshOutcome =
  | { kind: 'ok'; tokens: IssuedTokens }
  | { kind: 'reused' | 'unknown' | 'expired' | 'wrong-client' | 'wrong-resource' }

/** How many rotated refresh tokens a grant remembers, to recognise a replay. */
const RETIRED_KEPT = 20
/** Last use is written to disk at most this often per grant; the dashboard reads memory. */
const LAST_USE_WRITE_MS = 10 * 60 * 1000

export class Grants {
  readonly #state: StateCopy
  readonly #lastUse = new Map<string, number>()

  constructor(state: StateCopy) {
    this.#state = state
  }

  async open(client: ClientRecord, resource: string): Promise<IssuedTokens> {
    const now = Date.now()
    const access = newSecret(ACCESS_TOKEN_PREFIX)
    const refresh = newSecret(REFRESH_TOKEN_PREFIX)
    const grant: Grant = {
      id: newId(),
      clientId: client.clientId,
      clientName: client.clientName,
      source: client.source,
      resource,
      createdAt: now,
      accessTokenHash: hashSecret(access),
      accessExpiresAt: now + ACCESS_TOKEN_SECONDS * 1000,
      refreshTokenHash: hashSecret(refresh),
      refreshExpiresAt: now + REFRESH_TOKEN_SECONDS * 1000,
      retiredRefreshHashes: [],
    }
    await this.#state.change((data) => {
      // Lapsed grants go when a new one comes, so the store does not grow without end.
      for (const [id, old] of Object.entries(data.grants))
        if (old.refreshExpiresAt <= now) delete data.grants[id]
      data.grants[grant.id] = grant
    })
    return { accessToken: access, refreshToken: refresh, expiresIn: ACCESS_TOKEN_SECONDS, grant }
  }

  /** `resource`: the server the refresh asks for (RFC 8707 §2), when it names one. */
  async refresh(
    refreshToken: string,
    clientId: string,
    resource: string | undefined,
  ): Promise<RefreshOutcome> {
    await this.#state.current()
    const hash = hashSecret(refreshToken)
    const found = this.#state.byRefreshHash(hash)
    if (!found) return { kind: 'unknown' }
    if (found.clientId !== clientId) return { kind: 'wrong-client' }
    if (found.refreshTokenHash !== hash) {
      await this.revoke((grant) => grant.id === found.id)
      return { kind: 'reused' }
    }
    if (found.refreshExpiresAt <= Date.now()) return { kind: 'expired' }
    if (resource !== undefined && !reaches(found, resource)) return { kind: 'wrong-resource' }
    const access = newSecret(ACCESS_TOKEN_PREFIX)
    const refresh = newSecret(REFRESH_TOKEN_PREFIX)
    const now = Date.now()
    let outcome: RefreshOutcome = { kind: 'unknown' }
    await this.#state.change((data) => {
      const grant = data.grants[found.id]
      // Rotated by another request meanwhile: this token is already a retired one.
      if (!grant || grant.refreshTokenHash !== hash) return
      grant.retiredRefreshHashes = [hash, ...grant.retiredRefreshHashes].slice(0, RETIRED_KEPT)
      grant.refreshTokenHash = hashSecret(refresh)
      grant.refreshExpiresAt = now + REFRESH_TOKEN_SECONDS * 1000
      grant.accessTokenHash = hashSecret(access)
      grant.accessExpiresAt = now + ACCESS_TOKEN_SECONDS * 1000
      outcome = {
        kind: 'ok',
        tokens: {
          accessToken: access,
          refreshToken: refresh,
          expiresIn: ACCESS_TOKEN_SECONDS,
          grant: { ...grant },
        },
      }
    })
    return outcome
  }

  /** The grant behind an access token that may reach `server`, or undefined (unknown, expired, revoked, other server). */
  async verify(accessToken: string, server: string): Promise<Grant | undefined> {
    if (!accessToken.startsWith(ACCESS_TOKEN_PREFIX)) return undefined
    await this.#state.current()
    const grant = this.#state.byAccessHash(hashSecret(accessToken))
    if (!grant || grant.accessExpiresAt <= Date.now() || !reaches(grant, server)) return undefined
    const now = Date.now()
    this.#lastUse.set(grant.id, now)
    if (now - (grant.lastUsedAt ?? 0) > LAST_USE_WRITE_MS) {
      grant.lastUsedAt = now
      void this.#state
        .change((data) => {
          const stored = data.grants[grant.id]
          if (stored) stored.lastUsedAt = now
        })
        .catch(() => undefined)
    }
    return grant
  }

  async list(): Promise<Grant[]> {
    const data = await this.#state.current()
    return Object.values(data.grants).map((grant) => ({
      ...grant,
      ...(this.#lastUse.has(grant.id) ? { lastUsedAt: this.#lastUse.get(grant.id) as number } : {}),
    }))
  }

  /** Ends every grant `which` selects; returns how many. */
  async revoke(which: (grant: Grant) => boolean): Promise<number> {
    let count = 0
    await this.#state.change((data) => {
      for (const [id, grant] of Object.entries(data.grants)) {
        if (which(grant)) {
          delete data.grants[id]
          count += 1
        }
      }
    })
    return count
  }
}

export function reaches(grant: Grant, server: string): boolean {
  return grant.resource === '*' || grant.resource === server
}
