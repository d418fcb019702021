// The client of an authorization code login: what the bridge registers (a native public client
// where allowed), what it says about the client it uses, and the store as the SDK must see it.
import type { AuthorizationServerMetadata, OAuthClientMetadata } from '@modelcontextprotocol/client'
import { BridgeError, quote } from '../../errors.js'
import type { ServerSecrets, TokenStore } from '../../tokens/store.js'
import { CLIENT_NAME } from '../provider.js'
import type { AuthorizationCodeLogin } from '../login-terms.js'
import { commandLine } from '../../cli/commands-named.js'

export function clientMetadataFor(
  redirectUri: string,
  scope: string | undefined,
  metadata: AuthorizationServerMetadata | undefined,
): OAuthClientMetadata & { application_type: string } {
  return {
    client_name: CLIENT_NAME,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: chooseAuthMethod(metadata?.token_endpoint_auth_methods_supported),
    // A loopback redirect makes this a native app (OpenID DCR §2; MCP draft §Application Type).
    application_type: 'native',
    ...(scope ? { scope } : {}),
  }
}

/** A public client when the server allows it (a secret on a laptop protects little), else a secret. */
function chooseAuthMethod(supported: string[] | undefined): string {
  if (!supported || supported.includes('none')) return 'none'
  if (supported.includes('client_secret_basic')) return 'client_secret_basic'
  if (supported.includes('client_secret_post')) return 'client_secret_post'
  return 'none'
}

/** The interactive flow never refreshes: a login is asked for because a fresh grant is wanted. */
export function interactiveView(store: TokenStore, name: string): TokenStore {
  return {
    get: async (key) => {
      const secrets = await store.get(key)
      if (key !== name || !secrets) return secrets
      const { tokens: _ignored, ...rest } = secrets
      return rest
    },
    all: () => store.all(),
    update: (key, change) => store.update(key, change),
    exclusive: (key, work) => store.exclusive(key, work),
    bridgeAccessToken: () => store.bridgeAccessToken(),
  }
}

export function planClient(
  secrets: ServerSecrets,
  options: AuthorizationCodeLogin,
  redirectUri: string,
): string | undefined {
  const discovery = options.discovery
  const metadata = discovery.authorizationServerMetadata
  if (secrets.client) {
    return secrets.clientSource === 'pre-registered'
      ? `Using the pre-registered client ${quote(secrets.client.client_id)}`
      : undefined
  }
  if (metadata?.client_id_metadata_document_supported === true && options.clientMetadataUrl) {
    return `Using the client ID metadata document ${options.clientMetadataUrl}`
  }
  if (metadata?.registration_endpoint || (!metadata && discovery.legacy)) {
    return 'Registering a client (dynamic client registration)…'
  }
  throw registrationRequired(options, redirectUri, metadata)
}

function registrationRequired(
  options: AuthorizationCodeLogin,
  redirectUri: string,
  metadata: AuthorizationServerMetadata | undefined,
): BridgeError {
  const port = new URL(redirectUri).port
  const cimd = metadata?.client_id_metadata_document_supported === true
  return new BridgeError(
    'REGISTRATION_REQUIRED',
    `The authorization server ${metadata?.issuer ?? ''} does not offer dynamic client registration${cimd ? '' : ' or client ID metadata documents'}, so a client must be registered by hand.`,
    {
      hint:
        `Register an OAuth app with the provider using the redirect URI ${redirectUri}, then run:\n` +
        `    ${commandLine.add(options.name, options.serverUrl.href, `--client-id <ID> [--client-secret <SECRET>] --callback-port ${port}`)}` +
        (cimd
          ? '\n  Or host a client ID metadata document and pass --client-metadata-url <https URL>.'
          : ''),
    },
  )
}
