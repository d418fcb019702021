// Clients registered with the demo authorization server through dynamic client registration
// (RFC 7591). The SDK's registration handler validates the metadata and mints the client_id;
// this store decides which redirect URIs it accepts and keeps the clients in memory.
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js'
import { CustomOAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js'

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]'])

export class ClientRegistry implements OAuthRegisteredClientsStore {
  readonly #clients = new Map<string, OAuthClientInformationFull>()

  getClient(clientId: string): OAuthClientInformationFull | undefined {
    return this.#clients.get(clientId)
  }

  /** Called by the SDK's registration handler after it minted client_id (its default). */
  registerClient(client: OAuthClientInformationFull): OAuthClientInformationFull {
    if (client.redirect_uris.length === 0)
      throw invalidRedirectUri('At least one redirect_uri is required.')
    for (const uri of client.redirect_uris) checkRedirectUri(uri)
    this.#clients.set(client.client_id, client)
    return client
  }
}

/**
 * https anywhere, or http to this machine (RFC 8252 §7.3, native apps with a loopback
 * listener). Keeping to these two also keeps the consent page's CSP form-action simple.
 */
function checkRedirectUri(uri: string): void {
  const url = new URL(uri)
  const isLoopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTNAMES.has(url.hostname)
  if (url.protocol !== 'https:' && !isLoopbackHttp) {
    throw invalidRedirectUri(
      `The redirect_uri ${JSON.stringify(uri)} must be https, or http to 127.0.0.1, localhost or [::1].`,
    )
  }
  if (url.hash)
    throw invalidRedirectUri(
      `The redirect_uri ${JSON.stringify(uri)} must not have a fragment (RFC 6749 §3.1.2).`,
    )
}

function invalidRedirectUri(message: string): CustomOAuthError {
  // RFC 7591 §3.2.2 names this error code; the SDK has no class for it.
  return new CustomOAuthError('invalid_redirect_uri', message)
}
