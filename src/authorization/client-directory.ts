// Finds the client behind a client_id: a registration made here (RFC 7591), or a client ID
// metadata document fetched from the URL the client_id is. Registrations are kept in the
// encrypted store; clients that registered but never got a grant are dropped after a day, and
// their number is capped, since any local program can register.
import { randomBytes } from 'node:crypto'
import { ClientMetadataError, type ClientRecord } from './client-metadata.js'
import { MetadataDocuments, isMetadataDocumentId } from './metadata-document.js'
import type { StateCopy } from './state.js'
import { command } from '../cli/commands-named.js'

const UNUSED_REGISTRATION_MS = 24 * 60 * 60 * 1000
const MAX_REGISTRATIONS = 500

export class ClientDirectory {
  readonly #state: StateCopy
  readonly #documents = new MetadataDocuments()

  constructor(state: StateCopy) {
    this.#state = state
  }

  /** The client, or a ClientMetadataError saying why it is not one (unknown, unreachable document, bad metadata). */
  async resolve(clientId: string): Promise<ClientRecord> {
    if (isMetadataDocumentId(clientId)) return this.#documents.resolve(clientId)
    const registered = (await this.#state.current()).clients[clientId]
    if (!registered)
      throw new ClientMetadataError(
        'invalid_client_metadata',
        `No client ${JSON.stringify(clientId.slice(0, 80))} is registered with this bridge (it may have been removed); register again.`,
      )
    return registered
  }

  /** Stores a registration and returns it with its new client_id. */
  async register(record: Omit<ClientRecord, 'clientId'>): Promise<ClientRecord> {
    const client: ClientRecord = {
      ...record,
      clientId: `mob_client_${randomBytes(16).toString('base64url')}`,
    }
    const now = Date.now()
    await this.#state.change((data) => {
      const granted = new Set(Object.values(data.grants).map((grant) => grant.clientId))
      for (const [id, old] of Object.entries(data.clients)) {
        if (!granted.has(id) && now - old.registeredAt > UNUSED_REGISTRATION_MS)
          delete data.clients[id]
      }
      if (Object.keys(data.clients).length >= MAX_REGISTRATIONS) {
        throw new ClientMetadataError(
          'invalid_client_metadata',
          `This bridge already holds ${MAX_REGISTRATIONS} client registrations; revoke unused clients (${command('clients')}) and try again.`,
        )
      }
      data.clients[client.clientId] = client
    })
    return client
  }
}
