// The attempts of one authorization code login share what earlier attempts learnt: the redirect
// URI in use and the ones refused, whether the request is checked before the browser, and which
// client the tokens held before belong to. Each attempt builds an authorization request here,
// registering a client first where there is none; code-checks.ts and code-exchange.ts do the rest.
import { auth } from '@modelcontextprotocol/client'
import type { ServerSecrets } from '../../tokens/store.js'
import { flowError } from '../flow-error.js'
import { rememberAcceptedClient, storedClientNeedsCheck } from '../forgotten-client.js'
import type { AuthorizationCodeLogin } from '../login-terms.js'
import { StoreBackedProvider } from '../provider.js'
import { decideRetry } from '../retry-decision.js'
import { clientMetadataFor, interactiveView } from './code-client.js'

export interface CodeAttempts {
  redirectUri: string
  refusedRedirects: Array<{ redirectUri: string; said: string }>
  /** Check the request of a client whose redirect URIs we cannot see, at every attempt. */
  checkFirst: boolean
  /** Check once whether the server still knows the stored client (see forgotten-client.ts). */
  checkStored: boolean
  /** What was held before this login; a client the server turned out to have forgotten is taken out. */
  before: ServerSecrets | undefined
  /** The stored client this login started with, to say "registered earlier" in errors. */
  reusedClientId: string | undefined
}

export function startAttempts(
  login: AuthorizationCodeLogin,
  secrets: ServerSecrets,
  start: { redirectUri: string; checkFirst: boolean; before: ServerSecrets | undefined },
): CodeAttempts {
  return {
    redirectUri: start.redirectUri,
    refusedRedirects: [],
    checkFirst: start.checkFirst,
    checkStored:
      !start.checkFirst &&
      storedClientNeedsCheck(secrets, login.discovery.authorizationServerUrl, login.challenge),
    before: start.before,
    reusedClientId: secrets.client?.client_id,
  }
}

export type AuthorizationRequest =
  { kind: 'retry' } | { kind: 'ready'; provider: StoreBackedProvider; authorizationUrl: URL }

/** Registers a client if there is none, and builds the authorization request (the SDK's `auth()`). */
export async function authorizationRequest(
  login: AuthorizationCodeLogin,
  attempts: CodeAttempts,
): Promise<AuthorizationRequest> {
  const { name, store, discovery, serverUrl, scope, failures } = login
  let authorizationUrl: URL | undefined
  const provider = new StoreBackedProvider({
    name,
    store: interactiveView(store, name),
    redirectUrl: attempts.redirectUri,
    clientMetadata: clientMetadataFor(
      attempts.redirectUri,
      scope,
      discovery.authorizationServerMetadata,
    ),
    ...(login.clientMetadataUrl ? { clientMetadataUrl: login.clientMetadataUrl } : {}),
    discovery,
    ...(discovery.omitResource ? { omitResource: true } : {}),
    onAuthorizationUrl: (url) => {
      authorizationUrl = url
    },
  })
  const registering = !(await store.get(name))?.client
  try {
    await auth(provider, { serverUrl, ...(scope ? { scope } : {}), fetchFn: failures.fetchFn })
  } catch (error) {
    const last = failures.last()
    const decision = registering
      ? decideRetry({ ...attempts, discovery, refusal: { at: 'registration', said: last?.said } })
      : undefined
    if (decision?.kind === 'retry with redirect' && last) {
      attempts.refusedRedirects.push({
        redirectUri: attempts.redirectUri,
        said: `HTTP ${last.status}: ${last.said}`,
      })
      login.io.progress(
        `The server refused to register the redirect URI ${attempts.redirectUri}; trying ${decision.redirectUri}.`,
      )
      attempts.redirectUri = decision.redirectUri
      return { kind: 'retry' }
    }
    // The hint names the first spelling tried: the one RFC 8252 prefers.
    throw flowError(registering ? 'registration' : 'authorization', error, discovery, last, {
      name,
      serverUrl,
      redirectUri: attempts.refusedRedirects[0]?.redirectUri ?? attempts.redirectUri,
    })
  }
  const client = (await store.get(name))?.client
  if (registering && client)
    rememberAcceptedClient(discovery.authorizationServerUrl, client.client_id)
  if (!authorizationUrl) throw new Error('The authorization step produced no URL to open.')
  return { kind: 'ready', provider, authorizationUrl }
}
