// Client authentication for the requests the SDK does not make for us (device authorization,
// revocation): the method the client was registered with, as OAuth 2.1 §2.4 describes.
import {
  selectClientAuthMethod,
  type AuthorizationServerMetadata,
  type OAuthClientInformationMixed,
} from '@modelcontextprotocol/client'

export function applyClientAuthentication(
  client: OAuthClientInformationMixed,
  metadata: AuthorizationServerMetadata | undefined,
  headers: Record<string, string>,
  params: URLSearchParams,
): void {
  const supported = metadata?.token_endpoint_auth_methods_supported ?? []
  const method = selectClientAuthMethod(client, supported)
  if (method === 'client_secret_basic' && client.client_secret) {
    // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
    const id = encodeURIComponent(client.client_id)
    const secret = encodeURIComponent(client.client_secret)
    headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
    return
  }
  params.set('client_id', client.client_id)
  if (method === 'client_secret_post' && client.client_secret)
    params.set('client_secret', client.client_secret)
}
