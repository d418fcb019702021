// The token store as one encrypted file (tokens.json, AES-256-GCM via vault.ts), written
// atomically under a lock every process shares. It also keeps the bridge's own access token and
// the state of the bridge's authorization server, which are not per upstream server.
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../fs/atomic-write.js'
import { withFileLock } from '../fs/lock.js'
import type { BridgePaths } from '../config/paths.js'
import type { ServerSecrets, TokenStore } from './store.js'
import { decrypt, encrypt, loadOrCreateKey } from './vault.js'

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
      data.bridge = {
        accessToken: `mob_${randomBytes(32).toString('base64url')}`,
        createdAt: new Date().toISOString(),
      }
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
    return {
      servers: data.servers ?? {},
      ...(data.bridge ? { bridge: data.bridge } : {}),
      ...(data.authorization !== undefined ? { authorization: data.authorization } : {}),
    }
  }

  async #loadKey(create: boolean): Promise<Buffer> {
    this.#key ??= await loadOrCreateKey(this.#paths.key, { create })
    return this.#key
  }
}
