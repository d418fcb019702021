// The code exchange. A token endpoint that refuses a client the bridge registered makes that
// registration useless to any later login too, so it is dropped and the error says to log in again
// (no automatic second consent page).
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/client'
import { BridgeError } from '../../errors.js'
import { withoutClient } from '../client-choice.js'
import { flowError } from '../flow-error.js'
import { forgetClient, tokenEndpointRefusesClient } from '../forgotten-client.js'
import type { AuthorizationCodeLogin } from '../login-terms.js'
import type { CodeAttempts } from './code-attempts.js'
import { commandLine } from '../../cli/commands-named.js'

/** `iss` as the authorization response carried it: the SDK checks it again (RFC 9207 §2.4) before the code is redeemed. */
export async function exchangeCode(
  login: AuthorizationCodeLogin,
  attempts: CodeAttempts,
  provider: OAuthClientProvider,
  code: string,
  iss: string | undefined,
): Promise<void> {
  const { store, name, discovery, serverUrl, failures } = login
  try {
    await auth(provider, {
      serverUrl,
      authorizationCode: code,
      ...(iss ? { iss } : {}),
      fetchFn: failures.fetchFn,
    })
  } catch (error) {
    const failure = flowError('token exchange', error, discovery, failures.last(), {
      name,
      serverUrl,
    })
    const refused = (await store.get(name)) ?? {}
    if (
      !refused.client ||
      refused.clientSource !== 'dynamic' ||
      !tokenEndpointRefusesClient(error, failures.last())
    )
      throw failure
    await forgetClient(store, name, refused.client.client_id)
    attempts.before = withoutClient(attempts.before, refused.client.client_id)
    throw new BridgeError(failure.code, failure.message, {
      hint: `The server refused the client the bridge registered${refused.client.client_id === attempts.reusedClientId ? ' earlier' : ''}, so that registration is dropped: run \`${commandLine.login(name)}\` again to register a new one.`,
      cause: error,
    })
  }
}
