// The SDK's provider for the client credentials grant: the client as the person registered it,
// authenticated with its secret or with a private_key_jwt assertion (RFC 7523) signed by the
// algorithm its key calls for, and a token request that names the grant.
import { createPrivateKey } from 'node:crypto'
import { createPrivateKeyJwtAuth, type OAuthClientMetadata } from '@modelcontextprotocol/client'
import { BridgeError } from '../../errors.js'
import type { ServerSecrets, TokenStore } from '../../tokens/store.js'
import type { Discovery } from '../discovery.js'
import { CLIENT_NAME, StoreBackedProvider } from '../provider.js'

export function clientCredentialsProvider(options: {
  name: string
  store: TokenStore
  secrets: ServerSecrets
  discovery: Discovery | NonNullable<ServerSecrets['discovery']>
  scope: string | undefined
  now?: () => number
}): StoreBackedProvider {
  const { secrets, discovery, scope } = options
  const clientId = secrets.client?.client_id
  if (!clientId) {
    throw new BridgeError(
      'REGISTRATION_REQUIRED',
      'The client credentials grant needs a client id.',
      {
        hint: 'Pass --client-id with --client-secret or --private-key.',
      },
    )
  }
  const tokenEndpoint =
    discovery.authorizationServerMetadata?.token_endpoint ??
    new URL('/token', discovery.authorizationServerUrl).href
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
    ...(options.now ? { now: options.now } : {}),
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
    throw new BridgeError('BAD_USAGE', 'The private key is not a PEM private key.', {
      cause: error,
    })
  }
  const details = key.asymmetricKeyDetails
  switch (key.asymmetricKeyType) {
    case 'ec':
      return details?.namedCurve === 'secp384r1'
        ? 'ES384'
        : details?.namedCurve === 'secp521r1'
          ? 'ES512'
          : 'ES256'
    case 'ed25519':
      return 'EdDSA'
    case 'rsa-pss':
      return 'PS256'
    default:
      return 'RS256'
  }
}
