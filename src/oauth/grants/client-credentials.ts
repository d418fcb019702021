// Machine-to-machine logins: the client credentials grant (OAuth 2.1 §4.2), with a client
// secret or private_key_jwt (RFC 7523), for CI jobs and servers that allow it. New tokens are
// fetched the same way when they expire.
import { auth } from '@modelcontextprotocol/client'
import type { ServerEntry } from '../../config/schema.js'
import { BridgeError, quote, summarise } from '../../errors.js'
import { loginRequired } from '../../tokens/login-required.js'
import type { ServerSecrets, TokenStore } from '../../tokens/store.js'
import type { StoredTokens } from '../../tokens/token.js'
import { flowError } from '../flow-error.js'
import type { FetchLike } from '../http.js'
import type { AuthorizationOutcome, DiscoveredTarget } from '../login-terms.js'
import { clientCredentialsProvider } from './client-credentials-provider.js'
import { commandLine } from '../../cli/commands-named.js'

export interface ClientCredentialsAuthorization extends DiscoveredTarget {
  progress(line: string): void
}

/** Machine-to-machine: the client credentials grant, with a secret or private_key_jwt (RFC 7523). */
export async function authorizeClientCredentials(
  options: ClientCredentialsAuthorization,
): Promise<AuthorizationOutcome> {
  const { store, name, discovery, scope, failures } = options
  const secrets = (await store.get(name)) ?? {}
  const provider = clientCredentialsProvider({ name, store, secrets, discovery, scope })
  options.progress('Requesting a token with the client credentials grant…')
  try {
    await auth(provider, {
      serverUrl: options.serverUrl,
      ...(scope ? { scope } : {}),
      fetchFn: failures.fetchFn,
    })
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
  /** The clock the new token's expiry is reckoned from; the refresh hands its own in. */
  now?: () => number
}): Promise<StoredTokens> {
  const { name, server, secrets, store, discovery } = options
  const provider = clientCredentialsProvider({
    name,
    store,
    secrets,
    discovery,
    scope: server.scope ?? secrets.requestedScope,
    ...(options.now ? { now: options.now } : {}),
  })
  try {
    await auth(provider, {
      serverUrl: server.url,
      ...(server.scope ? { scope: server.scope } : {}),
      fetchFn: options.fetchFn,
    })
  } catch (error) {
    throw new BridgeError(
      'REFRESH_FAILED',
      `Getting a new token for ${quote(name)} with the client credentials grant failed: ${quote(summarise(error))}.`,
      {
        hint: `Check the client credentials, then run \`${commandLine.login(name)}\`.`,
        cause: error,
      },
    )
  }
  const tokens = (await store.get(name))?.tokens
  if (!tokens) throw loginRequired(name, 'the token endpoint returned no token')
  return tokens
}
