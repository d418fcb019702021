// The authorization code grant with PKCE in the browser, through the loopback callback. Protocol
// steps are the SDK's `auth()`; this module adds what the SDK leaves to its caller: the client
// this login presents, the checks before the person is sent anywhere, the retries that
// retry-decision.ts settles, the callback and the exchange.
import { BridgeError } from '../../errors.js'
import { checkResponseError, checkResponseOrigin } from '../authorization-response.js'
import { presentAuthorizationUrl, waitForRedirect } from '../browser-leg.js'
import {
  dropUnusableClient,
  keepClientOfTokens,
  refuseClientOfAnotherServer,
} from '../client-choice.js'
import { rememberAcceptedClient } from '../forgotten-client.js'
import type { AuthorizationCodeLogin, AuthorizationOutcome } from '../login-terms.js'
import { startLoopbackListener } from '../loopback.js'
import { confirmedRedirectUri, usesMetadataDocument } from '../redirect-check.js'
import { parseSafeUrl } from '../safe-url.js'
import { authorizationRequest, startAttempts, type CodeAttempts } from './code-attempts.js'
import { refusedBeforeBrowser, refusedInResponse } from './code-checks.js'
import { planClient } from './code-client.js'
import { exchangeCode } from './code-exchange.js'

export async function authorizeWithCode(
  login: AuthorizationCodeLogin,
): Promise<AuthorizationOutcome> {
  const { io, store, name, discovery } = login
  const metadata = discovery.authorizationServerMetadata
  io.progress(
    metadata
      ? `Authorization server: ${metadata.issuer}`
      : `No authorization server metadata: using the default endpoints of ${discovery.authorizationServerUrl} (MCP 2025-03-26)`,
  )
  const listener = await startLoopbackListener(
    login.callbackPort,
    io.returnTo ? { returnTo: io.returnTo } : {},
  )
  // What was held before this login is put back if it fails (keepClientOfTokens).
  let before = await store.get(name)
  let attempts: CodeAttempts | undefined
  try {
    // Choose the client: none bound to another server, none registered for another callback or narrower scopes.
    refuseClientOfAnotherServer((await store.get(name)) ?? {}, discovery, name)
    await dropUnusableClient(store, name, discovery, {
      redirectUri: listener.redirectUri,
      ...(login.scope ? { scope: login.scope } : {}),
    })
    const secrets = (await store.get(name)) ?? {}
    const clientPlan = planClient(secrets, login, listener.redirectUri)
    if (clientPlan) io.progress(clientPlan)

    // A client registered by hand (or described by the user's metadata document) lists redirect
    // URIs we cannot see, and providers compare them as strings: its first login checks the
    // authorization request before the person is sent there (see retry-decision.ts).
    const confirmed = confirmedRedirectUri(secrets, listener)
    const checkFirst =
      !confirmed &&
      (secrets.clientSource === 'pre-registered' ||
        (!secrets.client && usesMetadataDocument(discovery, login.clientMetadataUrl)))
    attempts = startAttempts(login, secrets, {
      redirectUri: confirmed ?? listener.redirectUri,
      checkFirst,
      before,
    })

    for (;;) {
      const started = await authorizationRequest(login, attempts)
      if (started.kind === 'retry') continue
      const safeUrl = parseSafeUrl(started.authorizationUrl.href, 'authorization URL')
      if (await refusedBeforeBrowser(login, attempts, safeUrl, listener.redirectUri)) continue

      await presentAuthorizationUrl(io, safeUrl, attempts.redirectUri)
      const params = await waitForRedirect(listener, io, login.timeoutMs, attempts.redirectUri)
      // Who answered is settled before anything the answer says is acted on, an error included.
      checkResponseOrigin(params, started.provider.expectedState, metadata)
      if (await refusedInResponse(login, attempts, params)) continue
      checkResponseError(params)
      const code = params.get('code')
      if (!code)
        throw new BridgeError(
          'AUTHORIZATION_FAILED',
          'The authorization server redirected back without a code.',
        )

      io.progress('Exchanging the authorization code for tokens…')
      await exchangeCode(login, attempts, started.provider, code, params.get('iss') ?? undefined)
      const accepted = (await store.get(name))?.client
      if (accepted) rememberAcceptedClient(discovery.authorizationServerUrl, accepted.client_id)
      // The redirect URI the server accepted for a client we did not register ourselves.
      const acceptedUri = attempts.redirectUri
      if (checkFirst)
        await store.update(name, (current) =>
          current.client
            ? { ...current, client: { ...current.client, redirect_uris: [acceptedUri] } }
            : current,
        )
      return { discovery, scope: login.scope, callbackPort: listener.port }
    }
  } catch (error) {
    before = attempts?.before ?? before
    await keepClientOfTokens(store, name, before)
    throw error
  } finally {
    await listener.close()
  }
}
