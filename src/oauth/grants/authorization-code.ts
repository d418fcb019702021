// The authorization code grant with PKCE in the browser, through the loopback callback. Protocol
// steps are the SDK's `auth()`; this module adds what the SDK leaves to its caller: the client
// this login presents, the checks before the person is sent anywhere, the retries that
// retry-decision.ts settles, the callback and the exchange.
import { BridgeError } from '../../errors.js'
import { checkResponseError, checkResponseOrigin } from '../authorization-response.js'
import { presentAuthorizationUrl, waitForRedirect } from '../browser-leg.js'
import { dropUnusableClient, keepClientOfTokens, refuseClientOfAnotherServer } from '../client-choice.js'
import { rememberAcceptedClient } from '../forgotten-client.js'
import type { AuthorizationCodeLogin, AuthorizationOutcome } from '../login-terms.js'
import { startLoopbackListener } from '../loopback.js'
import { confirmedRedirectUri, usesMetadataDocument } from '../redirect-check.js'
import { parseSafeUrl } from '../safe-url.js'
import { planClient } from './code-client.js'
import { CodeLoginAttempts } from './code-attempts.js'

export async function authorizeWithCode(login: AuthorizationCodeLogin): Promise<AuthorizationOutcome> {
  const { io, store, name, discovery } = login
  const metadata = discovery.authorizationServerMetadata
  io.progress(
    metadata
      ? `Authorization server: ${metadata.issuer}`
      : `No authorization server metadata: using the default endpoints of ${discovery.authorizationServerUrl} (MCP 2025-03-26)`,
  )
  const listener = await startLoopbackListener(login.callbackPort, io.returnTo ? { returnTo: io.returnTo } : {})
  // What was held before this login, put back if it fails (keepClientOfTokens).
  const attempts = new CodeLoginAttempts(login, listener, await store.get(name))
  try {
    // Choose the client: none bound to another server, none registered for another callback or narrower scopes.
    refuseClientOfAnotherServer((await store.get(name)) ?? {}, discovery, name)
    await dropUnusableClient(store, name, discovery, { redirectUri: listener.redirectUri, ...(login.scope ? { scope: login.scope } : {}) })
    const secrets = (await store.get(name)) ?? {}
    const clientPlan = planClient(secrets, login, listener.redirectUri)
    if (clientPlan) io.progress(clientPlan)

    // A client registered by hand (or described by the user's metadata document) lists redirect
    // URIs we cannot see, and providers compare them as strings: its first login checks the
    // authorization request before the person is sent there (see retry-decision.ts).
    const confirmed = confirmedRedirectUri(secrets, listener)
    const checkFirst = !confirmed && (secrets.clientSource === 'pre-registered' || (!secrets.client && usesMetadataDocument(discovery, login.clientMetadataUrl)))
    attempts.start(confirmed ?? listener.redirectUri, checkFirst, secrets)

    for (;;) {
      const started = await attempts.authorizationRequest()
      if (started.kind === 'retry') continue
      const { provider, authorizationUrl } = started
      const safeUrl = parseSafeUrl(authorizationUrl.href, 'authorization URL')
      if (await attempts.refusedBeforeBrowser(safeUrl)) continue

      await presentAuthorizationUrl(io, safeUrl, attempts.redirectUri)
      const params = await waitForRedirect(listener, io, login.timeoutMs, attempts.redirectUri)
      // Who answered is settled before anything the answer says is acted on, an error included.
      checkResponseOrigin(params, provider.expectedState, metadata)
      if (await attempts.refusedInResponse(params)) continue
      checkResponseError(params)
      const code = params.get('code')
      if (!code) throw new BridgeError('AUTHORIZATION_FAILED', 'The authorization server redirected back without a code.')

      io.progress('Exchanging the authorization code for tokens…')
      await attempts.exchange(provider, code)
      const accepted = (await store.get(name))?.client
      if (accepted) rememberAcceptedClient(discovery.authorizationServerUrl, accepted.client_id)
      await store.update(name, (current) => {
        const next = { ...current }
        // The redirect URI the server accepted for a client we did not register ourselves.
        if (checkFirst && next.client) next.client = { ...next.client, redirect_uris: [attempts.redirectUri] }
        return next
      })
      return { discovery, scope: login.scope, callbackPort: listener.port }
    }
  } catch (error) {
    await keepClientOfTokens(store, name, attempts.before)
    throw error
  } finally {
    await listener.close()
  }
}
