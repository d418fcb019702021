// The TokenStore seam: everything secret about a server (tokens, client registration,
// discovery results, static headers). Today an encrypted file; a team deployment can put
// the same interface on shared storage without touching the OAuth flow or the proxy.
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type {
  OAuthClientInformationMixed,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js'
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js'
import { writeFileAtomic } from '../fs/atomic-write.js'
import { withFileLock } from '../fs/lock.js'
import type { BridgePaths } from '../config/paths.js'
import { decrypt, encrypt, loadOrCreateKey } from './vault.js'

export interface StoredTokens extends OAuthTokens {
  /** Absolute expiry (ms since epoch), computed from expires_in when the tokens arrived. */
  expires_at?: number
  obtained_at: number
  /** The authorization server that issued them; a refresh token goes to no other. */
  issuer?: string
}

export type StoredClient = OAuthClientInformationMixed & { issuer?: string }

export interface ServerSecrets {
  tokens?: StoredTokens
  client?: StoredClient
  discovery?: OAuthDiscoveryState
  /** Static upstream headers from `add --header` (may carry an API key). */
  headers?: Record<string, string>
  /** For private_key_jwt client authentication. */
  privateKeyPem?: string
  /** Where the client came from: given by the user, a metadata document URL, or registered by us. */
  clientSource?: 'pre-registered' | 'metadata-document' | 'dynamic'
  /** The scopes last asked for, so a step-up asks for their union with the new ones. */
  requestedScope?: string
  /**
   * Set when the server refused a refresh: only a new browser login helps. `clientRefused`: the
   * refusal named a client that is kept (given with --client-id), so the next login checks it first.
   */
  loginRequired?: { reason: string; since: string; clientRefused?: boolean }
}

export interface TokenStore {
  get(name: string): Promise<ServerSecrets | undefined>
  all(): Promise<Record<string, ServerSecrets>>
  /** Read-modify-write under the store's lock; returning undefined forgets the server. */
  update(name: string, change: (current: ServerSecrets) => ServerSecrets | undefined): Promise<ServerSecrets | undefined>
  /** Holds a per-server lock shared by every process, e.g. around a refresh. */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T>
  /** The credential MCP clients present to the bridge itself (never an upstream token); made on first use. */
  bridgeAccessToken(): Promise<string>
}

interface StoreData {
  servers: Record<string, ServerSecrets>
  bridge?: { accessToken: string; createdAt: string }
  /** The bridge's authorization server toward MCP clients (src/authorization/): clients, grants, token hashes. */
  authorization?: unknown
}

export class EncryptedFileTokenStore implements TokenStore {
  readonly #paths: BridgePaths
  #key: Buffer | undefined

  constructor(paths: BridgePaths) {
    this.#paths = paths
  }

  async get(name: string): Promise<ServerSecrets | undefined> {
    return (await this.#read()).servers[name]
  }

  async all(): Promise<Record<string, ServerSecrets>> {
    return (await this.#read()).servers
  }

  async update(
    name: string,
    change: (current: ServerSecrets) => ServerSecrets | undefined,
  ): Promise<ServerSecrets | undefined> {
    return withFileLock(this.#paths.tokens, async () => {
      const data = await this.#read()
      const next = change(structuredClone(data.servers[name] ?? {}))
      if (next === undefined) delete data.servers[name]
      else data.servers[name] = next
      await this.#write(data)
      return next
    })
  }

  async #write(data: StoreData): Promise<void> {
    const key = await this.#loadKey(true)
    await writeFileAtomic(this.#paths.tokens, encrypt(key, JSON.stringify(data)))
  }

  exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    return withFileLock(`${this.#paths.tokens}.${name}`, work)
  }

  async bridgeAccessToken(): Promise<string> {
    const existing = (await this.#read()).bridge?.accessToken
    if (existing) return existing
    return withFileLock(this.#paths.tokens, async () => {
      const data = await this.#read()
      if (data.bridge?.accessToken) return data.bridge.accessToken
      // A recognisable prefix lets secret scanners and people tell it from upstream tokens.
      data.bridge = { accessToken: `mob_${randomBytes(32).toString('base64url')}`, createdAt: new Date().toISOString() }
      await this.#write(data)
      return data.bridge.accessToken
    })
  }

  /** The state of the bridge's own authorization server; opaque to the store. */
  async authorizationState(): Promise<unknown> {
    return (await this.#read()).authorization
  }

  /** Read-modify-write of that state under the store's lock, like `update`. */
  async updateAuthorizationState<T>(change: (current: T | undefined) => T): Promise<T> {
    return withFileLock(this.#paths.tokens, async () => {
      const data = await this.#read()
      const next = change(structuredClone(data.authorization) as T | undefined)
      data.authorization = next
      await this.#write(data)
      return next
    })
  }

  async #read(): Promise<StoreData> {
    let text: string
    try {
      text = await readFile(this.#paths.tokens, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} }
      throw error
    }
    const key = await this.#loadKey(false)
    const data = JSON.parse(decrypt(key, text, this.#paths.tokens)) as Partial<StoreData>
    return { servers: data.servers ?? {}, ...(data.bridge ? { bridge: data.bridge } : {}), ...(data.authorization !== undefined ? { authorization: data.authorization } : {}) }
  }

  async #loadKey(create: boolean): Promise<Buffer> {
    this.#key ??= await loadOrCreateKey(this.#paths.key, { create })
    return this.#key
  }
}
