// Client ID metadata documents (MCP 2025-11-25 §Client ID Metadata Documents,
// draft-ietf-oauth-client-id-metadata-document): a client_id that is a URL names a JSON
// document the client hosts. It is fetched under the project's URL rules (https, or http to
// this machine; no redirects), with a short timeout and a small size limit, and kept briefly.
import { BridgeError } from '../errors.js'
import { createGuardedFetch } from '../oauth/http.js'
import { parseSafeUrl } from '../oauth/safe-url.js'
import { ClientMetadataError, readClientMetadata, type ClientRecord } from './client-metadata.js'

const TIMEOUT_MS = 5_000
const MAX_BYTES = 32 * 1024
const CACHE_MS = 5 * 60 * 1000
const MAX_CACHED = 100

/** Whether a client_id names a metadata document rather than a registration made here. */
export function isMetadataDocumentId(clientId: string): boolean {
  return clientId.startsWith('https://') || clientId.startsWith('http://')
}

export class MetadataDocuments {
  readonly #fetch = createGuardedFetch({ timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES })
  readonly #cache = new Map<string, { record: ClientRecord; until: number }>()

  async resolve(clientId: string): Promise<ClientRecord> {
    const cached = this.#cache.get(clientId)
    if (cached && cached.until > Date.now()) return cached.record
    const record = await this.#load(clientId)
    if (this.#cache.size >= MAX_CACHED)
      this.#cache.delete(this.#cache.keys().next().value as string)
    this.#cache.set(clientId, { record, until: Date.now() + CACHE_MS })
    return record
  }

  async #load(clientId: string): Promise<ClientRecord> {
    let url: URL
    try {
      url = parseSafeUrl(clientId, 'client ID metadata document URL')
    } catch (error) {
      throw new ClientMetadataError('invalid_client_metadata', (error as Error).message)
    }
    // The client_id is the document's URL, with a path (the specification refuses a bare origin).
    if (url.pathname === '/' || url.hash)
      throw new ClientMetadataError(
        'invalid_client_metadata',
        `The client_id ${clientId} must be a URL with a path and no fragment.`,
      )
    let response: Response
    try {
      response = await this.#fetch(url, { headers: { accept: 'application/json' } })
    } catch (error) {
      const detail = error instanceof BridgeError ? error.message : (error as Error).message
      throw new ClientMetadataError(
        'invalid_client_metadata',
        `The client ID metadata document could not be fetched: ${detail}`,
      )
    }
    if (response.status !== 200)
      throw new ClientMetadataError(
        'invalid_client_metadata',
        `The client ID metadata document ${clientId} answered HTTP ${response.status}.`,
      )
    let document: unknown
    try {
      document = await response.json()
    } catch {
      throw new ClientMetadataError(
        'invalid_client_metadata',
        `The client ID metadata document ${clientId} is not JSON.`,
      )
    }
    // The document must name itself: a copy hosted elsewhere cannot pose as this client.
    if ((document as { client_id?: unknown } | null)?.client_id !== clientId) {
      throw new ClientMetadataError(
        'invalid_client_metadata',
        `The document at ${clientId} names another client_id; it must equal its own URL exactly.`,
      )
    }
    return readClientMetadata(document, clientId, 'metadata-document')
  }
}
