// Authorization requests waiting for the person (in memory: they matter for minutes, and a
// restart only means the client starts its login again), and the codes issued for them.
// A code is single-use; presenting it twice revokes what it was exchanged for (RFC 6749 §4.1.2).
import { CODE_SECONDS, PENDING_SECONDS, newId, newSecret } from './credentials.js'
import type { ClientRecord } from './client-metadata.js'

export interface PendingAuthorization {
  id: string
  client: ClientRecord
  redirectUri: string
  state: string | undefined
  codeChallenge: string
  /** The server the client asked for (RFC 8707 `resource`), or undefined when it named none. */
  server: string | undefined
  /** The issuer as the client addressed the bridge; sent back as `iss` (RFC 9207). */
  issuer: string
  expiresAt: number
}

export interface IssuedCode {
  pending: PendingAuthorization
  /** The server chosen on the consent page, or '*' for all. */
  resource: string
  expiresAt: number
  /** Set once exchanged: the grant a replay must revoke. */
  grantId?: string
}

const MAX_PENDING = 200

export class PendingAuthorizations {
  readonly #pending = new Map<string, PendingAuthorization>()
  readonly #codes = new Map<string, IssuedCode>()

  open(details: Omit<PendingAuthorization, 'id' | 'expiresAt'>): PendingAuthorization {
    this.#sweep()
    if (this.#pending.size >= MAX_PENDING)
      this.#pending.delete(this.#pending.keys().next().value as string)
    const pending: PendingAuthorization = {
      ...details,
      id: newId(),
      expiresAt: Date.now() + PENDING_SECONDS * 1000,
    }
    this.#pending.set(pending.id, pending)
    return pending
  }

  get(id: string): PendingAuthorization | undefined {
    const pending = this.#pending.get(id)
    return pending && pending.expiresAt > Date.now() ? pending : undefined
  }

  /** Ends the request (answered on the page) and, when allowed, returns a code for it. */
  settle(id: string, resource: string | undefined): string | undefined {
    const pending = this.get(id)
    this.#pending.delete(id)
    if (!pending || resource === undefined) return undefined
    const code = newSecret()
    this.#codes.set(code, { pending, resource, expiresAt: Date.now() + CODE_SECONDS * 1000 })
    return code
  }

  /** The code's record, kept (marked by `grantId`) after its first exchange so a replay is recognised. */
  code(code: string): IssuedCode | undefined {
    const issued = this.#codes.get(code)
    if (!issued) return undefined
    if (issued.expiresAt <= Date.now() && issued.grantId === undefined) {
      this.#codes.delete(code)
      return undefined
    }
    return issued
  }

  #sweep(): void {
    const now = Date.now()
    for (const [id, pending] of this.#pending)
      if (pending.expiresAt <= now) this.#pending.delete(id)
    // Exchanged codes are kept for a while past expiry so a late replay still revokes.
    for (const [code, issued] of this.#codes)
      if (issued.expiresAt + PENDING_SECONDS * 1000 <= now) this.#codes.delete(code)
  }
}
