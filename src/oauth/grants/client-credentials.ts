// Machine-to-machine logins: the client credentials grant (OAuth 2.1 §4.2), with a client
// secret or private_key_jwt (RFC 7523), for CI jobs and servers that allow it. New tokens are
// fetched the same way when they expire.
import { createPrivateKey } from 'node:crypto'
import { auth } from '@modelcontextprotocol/sdk/client/auth.js'
import { createPrivateKeyJwtAuth } from '@modelcontextprotocol/sdk/client/auth-extensions.js'
import type { OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js'
import type { ServerEntry } from '../../config/schema.js'
import { BridgeError, quote, summarise } from '../../errors.js'
import { loginRequired } from '../../tokens/login-required.js'
import type { ServerSecrets, TokenStore } from '../../tokens/store.js'
import type { StoredTokens } from '../../tokens/token.js'
import type { Discovery } from '../discovery.js'
import { flowError } from '../flow-error.js'
import type { FetchLike } from '../http.js'
import type { AuthorizationOutcome, DiscoveredTarget } from '../login-terms.js'
import { CLIENT_NAME, StoreBackedProvider } from '../provider.js'

export interface ClientCredentialsAuthorization extends DiscoveredTarget {
  progress(line: string): void
}

/** Machine-to-machine: the client credentials grant, with a secret or private_key_jwt (RFC 7523). */
export async function authorizeClientCredentials(options: ClientCredentialsAuthorization): Promise<AuthorizationOutcome> {
  const { store, name, discovery, scope, failures } = options
  const secrets = (await store.get(name)) ?? {}
  const provider = clientCredentialsProvider({ name, store, secrets, discovery, scope })
  options.progress('Requesting a token with the client credentials grant…')
  try {
    await auth(provider, { serverUrl: options.serverUrl, ...(scope ? { scope } : {}), fetchFn: failures.fetchFn })
  } catch (error) {
    throw flowError('token exchange', error, discovery, failures.last())
  }
  return { discovery, scope }
}

/** A new token when the last one expired: the same grant again, with the scope of the login. */
export async function renewWithClientCredentials(options: {
  name: string
  server: ServerEntry
  secrets: ServerSecrets
  store: TokenStore
  discovery: NonNullable<ServerSecrets['discovery']>
  fetchFn: FetchLike
}): Promise<StoredTokens> {
  const { name, server, secrets, store, discovery } = options
  const provider = clientCredentialsProvider({ name, store, secrets, discovery, scope: server.scope ?? secrets.requestedScope })
  try {
    await auth(provider, { serverUrl: server.url, ...(server.scope ? { scope: server.scope } : {}), fetchFn: options.fetchFn })
  } catch (error) {
    throw new BridgeError('REFRESH_FAILED', `Getting a new token for ${quote(name)} with the client credentials grant failed: ${quote(summarise(error))}.`, {
      hint: `Check the client credentials, then run \`mcp-oauth-bridge login ${name}\`.`,
      cause: error,
    })
  }
  const tokens = (await store.get(name))?.tokens
  if (!tokens) throw loginRequired(name, 'the token endpoint returned no token')
  return tokens
}

export function clientCredentialsProvider(options: {
  name: string
  store: TokenStore
  secrets: ServerSecrets
  discovery: Discovery | NonNullable<ServerSecrets['discovery']>
  scope: string | undefined
}): StoreBackedProvider {
  const { secrets, discovery, scope } = options
  const clientId = secrets.client?.client_id
  if (!clientId) {
    throw new BridgeError('REGISTRATION_REQUIRED', 'The client credentials grant needs a client id.', {
      hint: 'Pass --client-id with --client-secret or --private-key.',
    })
  }
  const tokenEndpoint = discovery.authorizationServerMetadata?.token_endpoint ?? new URL('/token', discovery.authorizationServerUrl).href
  const clientMetadata: OAuthClientMetadata = {
    client_name: CLIENT_NAME,
    redirect_uris: [],
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: secrets.privateKeyPem ? 'private_key_jwt' : 'client_secret_basic',
    ...(scope ? { scope } : {}),
  }
  return new StoreBackedProvider({
    name: options.name,
    store: options.store,
    clientMetadata,
    discovery,
    ...(secrets.privateKeyPem
      ? {
          addClientAuthentication: createPrivateKeyJwtAuth({
            issuer: clientId,
            subject: clientId,
            privateKey: secrets.privateKeyPem,
            alg: privateKeyAlgorithm(secrets.privateKeyPem),
            audience: discovery.authorizationServerMetadata?.issuer ?? tokenEndpoint,
          }),
        }
      : {}),
    tokenRequest: (requested) => {
      const params = new URLSearchParams({ grant_type: 'client_credentials' })
      if (requested) params.set('scope', requested)
      return params
    },
  })
}

/** The JWS algorithm that matches the key (RFC 7518 §3.1). */
function privateKeyAlgorithm(pem: string): string {
  let key
  try {
    key = createPrivateKey(pem)
  } catch (error) {
    throw new BridgeError('BAD_USAGE', 'The private key is not a PEM private key.', { cause: error })
  }
  const details = key.asymmetricKeyDetails
  switch (key.asymmetricKeyType) {
    case 'ec':
      return details?.namedCurve === 'secp384r1' ? 'ES384' : details?.namedCurve === 'secp521r1' ? 'ES512' : 'ES256'
    case 'ed25519':
      return 'EdDSA'
    case 'rsa-pss':
      return 'PS256'
    default:
      return 'RS256'
  }
}
