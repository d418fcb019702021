// The refusals an authorization code login acts on before it waits for a code: the authorization
// request loaded once without the browser (a client whose redirect URIs we cannot see, or a stored
// client the server may have forgotten), and an authorization response refusing `resource`.
// retry-decision.ts decides; this module does what it decided. `true` means: try again.
import { quote } from '../../errors.js'
import { withoutClient } from '../client-choice.js'
import {
  forgetClient,
  handRegisteredClientRefused,
  rememberAcceptedClient,
} from '../forgotten-client.js'
import type { AuthorizationCodeLogin } from '../login-terms.js'
import { checkAuthorizationRequest, dropResource, redirectRefused } from '../redirect-check.js'
import { decideRetry, type RefusalPoint } from '../retry-decision.js'
import type { CodeAttempts } from './code-attempts.js'

export async function refusedBeforeBrowser(
  login: AuthorizationCodeLogin,
  attempts: CodeAttempts,
  url: URL,
  callbackUri: string,
): Promise<boolean> {
  const { store, name, io, discovery, serverUrl } = login
  const client = (await store.get(name))?.client
  if (!attempts.checkFirst && !(attempts.checkStored && client)) return false
  const verdict = await checkAuthorizationRequest(url, attempts.redirectUri, login.fetchFn)
  const current = (await store.get(name)) ?? {}
  const refusal: RefusalPoint = attempts.checkFirst
    ? { at: 'redirect check', verdict }
    : { at: 'stored client check', verdict, clientSource: current.clientSource }
  const decision = decideRetry({ ...attempts, discovery, refusal })
  if (decision.kind === 'retry without resource' && verdict.kind === 'refused') {
    await dropResource(store, name, discovery, io, verdict.said)
    return true
  }
  if (!attempts.checkFirst) attempts.checkStored = false
  if (verdict.kind === 'accepted') {
    if (!attempts.checkFirst && client)
      rememberAcceptedClient(discovery.authorizationServerUrl, client.client_id)
    return false
  }
  if (decision.kind === 'go on') return false
  if (decision.kind === 'retry with redirect') {
    attempts.refusedRedirects.push({ redirectUri: attempts.redirectUri, said: verdict.said })
    io.progress(
      `The authorization server refused the redirect URI ${attempts.redirectUri} (${verdict.said}); trying ${decision.redirectUri}.`,
    )
    attempts.redirectUri = decision.redirectUri
    return true
  }
  if (decision.kind === 'register again' && client) {
    io.progress(
      `The authorization server no longer knows the client ${quote(client.client_id)} the bridge registered earlier (it said ${verdict.said}); registering a new one.`,
    )
    await forgetClient(store, name, client.client_id)
    attempts.before = withoutClient(attempts.before, client.client_id)
    attempts.reusedClientId = undefined
    // A new registration is made for the callback this login listens on, in the spelling RFC 8252 prefers.
    attempts.redirectUri = callbackUri
    return true
  }
  if (decision.kind === 'give up' && decision.why === 'hand-registered client refused') {
    throw handRegisteredClientRefused(current, verdict.said, {
      name,
      serverUrl,
      redirectUri: attempts.redirectUri,
    })
  }
  attempts.refusedRedirects.push({ redirectUri: attempts.redirectUri, said: verdict.said })
  throw redirectRefused(current, attempts.refusedRedirects, {
    name,
    serverUrl,
    ...(login.clientMetadataUrl ? { clientMetadataUrl: login.clientMetadataUrl } : {}),
  })
}

/** An authorization response refusing `resource` (Entra ID): the login runs again without it. */
export async function refusedInResponse(
  login: AuthorizationCodeLogin,
  attempts: CodeAttempts,
  params: URLSearchParams,
): Promise<boolean> {
  const decision = decideRetry({
    ...attempts,
    discovery: login.discovery,
    refusal: {
      at: 'authorization response',
      error: params.get('error'),
      description: params.get('error_description'),
    },
  })
  if (decision.kind !== 'retry without resource') return false
  await dropResource(
    login.store,
    login.name,
    login.discovery,
    login.io,
    `${quote(params.get('error') ?? '')} (${quote(params.get('error_description') ?? '')})`,
  )
  return true
}
