// The attempts of one authorization code login: each builds an authorization request (registering
// a client first where there is none), and a refusal before the browser, at registration or in
// the authorization response leads to the next attempt as retry-decision.ts decides.
import { auth } from '@modelcontextprotocol/sdk/client/auth.js'
import { BridgeError, quote } from '../../errors.js'
import type { ServerSecrets } from '../../tokens/store.js'
import { forgetClient, handRegisteredClientRefused, rememberAcceptedClient, storedClientNeedsCheck, tokenEndpointRefusesClient } from '../forgotten-client.js'
import { withoutClient } from '../client-choice.js'
import { flowError, type Phase } from '../flow-error.js'
import type { LoopbackListener } from '../loopback.js'
import { StoreBackedProvider } from '../provider.js'
import { checkAuthorizationRequest, dropResource, redirectRefused } from '../redirect-check.js'
import { decideRetry, type RefusalPoint } from '../retry-decision.js'
import type { AuthorizationCodeLogin } from '../login-terms.js'
import { clientMetadataFor, interactiveView } from './code-client.js'

export type AuthorizationRequest =
  | { kind: 'retry' }
  | { kind: 'ready'; provider: StoreBackedProvider; authorizationUrl: URL }

export class CodeLoginAttempts {
  readonly #login: AuthorizationCodeLogin
  readonly #listener: LoopbackListener
  /** What was held before this login; a client the server turned out to have forgotten is taken out. */
  before: ServerSecrets | undefined
  redirectUri = ''
  readonly #refusedRedirects: Array<{ redirectUri: string; said: string }> = []
  #checkFirst = false
  #checkStored = false
  #reusedClientId: string | undefined

  constructor(login: AuthorizationCodeLogin, listener: LoopbackListener, before: ServerSecrets | undefined) {
    this.#login = login
    this.#listener = listener
    this.before = before
  }

  start(redirectUri: string, checkFirst: boolean, secrets: ServerSecrets): void {
    this.redirectUri = redirectUri
    this.#checkFirst = checkFirst
    // A stored client the server may have forgotten since (see forgotten-client.ts) is checked once.
    this.#checkStored = !checkFirst && storedClientNeedsCheck(secrets, this.#login.discovery.authorizationServerUrl, this.#login.challenge)
    this.#reusedClientId = secrets.client?.client_id
  }

  /** Registers a client if there is none, and builds the authorization request (the SDK's `auth()`). */
  async authorizationRequest(): Promise<AuthorizationRequest> {
    const { name, store, discovery, serverUrl, scope } = this.#login
    let authorizationUrl: URL | undefined
    const provider = new StoreBackedProvider({
      name,
      store: interactiveView(store, name),
      redirectUrl: this.redirectUri,
      clientMetadata: clientMetadataFor(this.redirectUri, scope, discovery.authorizationServerMetadata),
      ...(this.#login.clientMetadataUrl ? { clientMetadataUrl: this.#login.clientMetadataUrl } : {}),
      discovery,
      ...(discovery.omitResource ? { omitResource: true } : {}),
      onAuthorizationUrl: (url) => {
        authorizationUrl = url
      },
    })
    const registering = !(await store.get(name))?.client
    try {
      await auth(provider, { serverUrl, ...(scope ? { scope } : {}), fetchFn: this.#fetch() })
    } catch (error) {
      const last = this.#lastFailure()
      const decision = registering ? decideRetry({ ...this.#situation(), refusal: { at: 'registration', said: last?.said } }) : undefined
      if (decision?.kind === 'retry with redirect' && last) {
        this.#refusedRedirects.push({ redirectUri: this.redirectUri, said: `HTTP ${last.status}: ${last.said}` })
        this.#login.io.progress(`The server refused to register the redirect URI ${this.redirectUri}; trying ${decision.redirectUri}.`)
        this.redirectUri = decision.redirectUri
        return { kind: 'retry' }
      }
      const phase: Phase = registering ? 'registration' : 'authorization'
      // The hint names the first spelling tried: the one RFC 8252 prefers.
      throw flowError(phase, error, discovery, last, { name, serverUrl, redirectUri: this.#refusedRedirects[0]?.redirectUri ?? this.redirectUri })
    }
    const client = (await store.get(name))?.client
    if (registering && client) rememberAcceptedClient(discovery.authorizationServerUrl, client.client_id)
    if (!authorizationUrl) throw new Error('The authorization step produced no URL to open.')
    return { kind: 'ready', provider, authorizationUrl }
  }

  /** The authorization request loaded once without the browser, where retry-decision.ts wants it: true to try again. */
  async refusedBeforeBrowser(url: URL): Promise<boolean> {
    const { store, name, io, discovery, serverUrl } = this.#login
    const client = (await store.get(name))?.client
    if (!this.#checkFirst && !(this.#checkStored && client)) return false
    const verdict = await checkAuthorizationRequest(url, this.redirectUri, this.#login.fetchFn)
    const current = (await store.get(name)) ?? {}
    const refusal: RefusalPoint = this.#checkFirst ? { at: 'redirect check', verdict } : { at: 'stored client check', verdict, clientSource: current.clientSource }
    const decision = decideRetry({ ...this.#situation(), refusal })
    if (decision.kind === 'retry without resource' && verdict.kind === 'refused') {
      await dropResource(store, name, discovery, io, verdict.said)
      return true
    }
    if (!this.#checkFirst) this.#checkStored = false
    if (verdict.kind === 'accepted') {
      if (!this.#checkFirst && client) rememberAcceptedClient(discovery.authorizationServerUrl, client.client_id)
      return false
    }
    if (decision.kind === 'go on') return false
    if (decision.kind === 'retry with redirect') {
      this.#refusedRedirects.push({ redirectUri: this.redirectUri, said: verdict.said })
      io.progress(`The authorization server refused the redirect URI ${this.redirectUri} (${verdict.said}); trying ${decision.redirectUri}.`)
      this.redirectUri = decision.redirectUri
      return true
    }
    if (decision.kind === 'register again' && client) {
      io.progress(`The authorization server no longer knows the client ${quote(client.client_id)} the bridge registered earlier (it said ${verdict.said}); registering a new one.`)
      await forgetClient(store, name, client.client_id)
      this.before = withoutClient(this.before, client.client_id)
      this.#reusedClientId = undefined
      // A new registration is made for the callback this login listens on, in the spelling RFC 8252 prefers.
      this.redirectUri = this.#listener.redirectUri
      return true
    }
    if (decision.kind === 'give up' && decision.why === 'hand-registered client refused') {
      throw handRegisteredClientRefused(current, verdict.said, { name, serverUrl, redirectUri: this.redirectUri })
    }
    this.#refusedRedirects.push({ redirectUri: this.redirectUri, said: verdict.said })
    throw redirectRefused(current, this.#refusedRedirects, { name, serverUrl, ...(this.#login.clientMetadataUrl ? { clientMetadataUrl: this.#login.clientMetadataUrl } : {}) })
  }

  /** An authorization response refusing `resource` (Entra ID): true to log in again without it. */
  async refusedInResponse(params: URLSearchParams): Promise<boolean> {
    const decision = decideRetry({ ...this.#situation(), refusal: { at: 'authorization response', error: params.get('error'), description: params.get('error_description') } })
    if (decision.kind !== 'retry without resource') return false
    const { store, name, discovery, io } = this.#login
    await dropResource(store, name, discovery, io, `${quote(params.get('error') ?? '')} (${quote(params.get('error_description') ?? '')})`)
    return true
  }

  /** The code exchange; a token endpoint that refuses a client the bridge registered drops that registration. */
  async exchange(provider: StoreBackedProvider, code: string): Promise<void> {
    const { store, name, discovery, serverUrl } = this.#login
    try {
      await auth(provider, { serverUrl, authorizationCode: code, fetchFn: this.#fetch() })
    } catch (error) {
      const failure = flowError('token exchange', error, discovery, this.#lastFailure(), { name, serverUrl })
      const refused = (await store.get(name)) ?? {}
      if (refused.client && refused.clientSource === 'dynamic' && tokenEndpointRefusesClient(error, this.#lastFailure())) {
        // Of no use to any later login either; the next one registers a new client.
        await forgetClient(store, name, refused.client.client_id)
        this.before = withoutClient(this.before, refused.client.client_id)
        throw new BridgeError(failure.code, failure.message, {
          hint: `The server refused the client the bridge registered${refused.client.client_id === this.#reusedClientId ? ' earlier' : ''}, so that registration is dropped: run \`mcp-oauth-bridge login ${name}\` again to register a new one.`,
          cause: error,
        })
      }
      throw failure
    }
  }

  #situation() {
    return { discovery: this.#login.discovery, redirectUri: this.redirectUri, refusedRedirects: this.#refusedRedirects }
  }

  #fetch() {
    return this.#login.failures.fetchFn
  }

  #lastFailure() {
    return this.#login.failures.last()
  }
}
