// Runs an OAuth login for one MCP server: discovery, a client (pre-registered, client ID
// metadata document, or dynamic registration), authorization code + PKCE in the browser, the
// loopback callback, and the token exchange. Protocol steps are the SDK's `auth()`; this module
// adds what the SDK leaves to its caller: checks, the callback, the browser and plain errors.
import { auth } from '@modelcontextprotocol/sdk/client/auth.js'
import type { AuthorizationServerMetadata, OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js'
import { OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { BridgeError, type BridgeErrorCode, quote } from '../errors.js'
import type { ServerSecrets, TokenStore } from '../tokens/store.js'
import type { OpenBrowser } from './browser.js'
import { discoverAuthorization, summarise, type Discovery } from './discovery.js'
import { recordFailures, type FailedAnswer, type FetchLike } from './http.js'
import { startLoopbackListener, type LoopbackListener } from './loopback.js'
import type { AuthChallenge } from './probe.js'
import { CLIENT_NAME, StoreBackedProvider } from './provider.js'
import { parseSafeUrl } from './safe-url.js'
import { forgetClient, handRegisteredClientRefused, refusesClient, rememberAcceptedClient, storedClientNeedsCheck, tokenEndpointRefusesClient } from './forgotten-client.js'
import { canDropResource, checkAuthorizationRequest, confirmedRedirectUri, dropResource, otherLoopbackSpelling, redirectRefused, usesMetadataDocument } from './redirect-check.js'

export interface FlowIo {
  progress(line: string): void
  openBrowser: OpenBrowser
  /** `print` shows the URL instead of opening it, and also accepts the redirect URL pasted back. */
  browser: 'open' | 'print'
  pastedRedirects?: AsyncIterable<string>
  /** A page the provider's return page links back to (the dashboard, for a login started there). */
  returnTo?: string
}

/** What every kind of login needs to know about the server it logs in to. */
export interface LoginTarget {
  name: string
  serverUrl: URL
  store: TokenStore
  challenge: AuthChallenge
  /** The user's --scope, which overrides the specification's selection. */
  scope?: string
  fetchFn: FetchLike
}

export interface InteractiveAuthorization extends LoginTarget {
  clientMetadataUrl?: string
  callbackPort: number
  io: FlowIo
  timeoutMs: number
}

export interface AuthorizationOutcome {
  discovery: Discovery
  scope: string | undefined
  /** The loopback port the redirect came back to (browser logins only): kept for the next login. */
  callbackPort?: number
}

type Phase = 'discovery' | 'registration' | 'authorization' | 'token exchange'

export async function authorizeInteractively(options: InteractiveAuthorization): Promise<AuthorizationOutcome> {
  const { io, store, name } = options
  // The authorization server fetches it, on our word: the same https rule as every metadata URL.
  if (options.clientMetadataUrl) parseSafeUrl(options.clientMetadataUrl, 'client ID metadata document URL (clientMetadataUrl)')
  const failures = recordFailures(options.fetchFn)
  const fetchFn = failures.fetchFn
  io.progress(`Discovering the authorization server of ${options.serverUrl.href}…`)
  const discovery = await discoverAuthorization(options.serverUrl, options.challenge, fetchFn)
  const previous = (await store.get(name))?.discovery as Discovery | undefined
  // A refused `resource` stays refused for as long as the authorization server is the same one.
  if (previous?.omitResource && previous.authorizationServerUrl === discovery.authorizationServerUrl) discovery.omitResource = true
  const metadata = discovery.authorizationServerMetadata
  io.progress(
    metadata
      ? `Authorization server: ${metadata.issuer}`
      : `No authorization server metadata: using the default endpoints of ${discovery.authorizationServerUrl} (MCP 2025-03-26)`,
  )
  const scope = chooseScope(options.scope, options.challenge, discovery)
  await store.update(name, (secrets) => ({ ...secrets, discovery }))

  // What was held before this login, put back if it fails (keepClientOfTokens); `let`, because a
  // client the server turns out to have forgotten must not be put back.
  let before = await store.get(name)
  const listener = await startLoopbackListener(options.callbackPort, io.returnTo ? { returnTo: io.returnTo } : {})
  try {
    refuseClientOfAnotherServer((await store.get(name)) ?? {}, discovery, name)
    await dropUnusableClient(store, name, discovery, { redirectUri: listener.redirectUri, scope })
    const secrets = (await store.get(name)) ?? {}
    const clientPlan = planClient(secrets, discovery, options, listener.redirectUri)
    if (clientPlan) io.progress(clientPlan)
    const context: FlowContext = { name, serverUrl: options.serverUrl }

    // A client registered by hand (or described by the user's metadata document) lists redirect
    // URIs we cannot see, and providers compare them as strings: `localhost` or `127.0.0.1`
    // (Slack and Salesforce accept only localhost; Asana and Atlassian match exactly). So its
    // first login checks the authorization request before the person is sent there, and tries
    // the other spelling once if the first is refused; the one accepted is kept with the client.
    const confirmed = confirmedRedirectUri(secrets, listener)
    const checkFirst = !confirmed && (secrets.clientSource === 'pre-registered' || (!secrets.client && usesMetadataDocument(discovery, options)))
    let redirectUri = confirmed ?? listener.redirectUri
    const refusedRedirects: Array<{ redirectUri: string; said: string }> = []
    // A stored client the server may have forgotten since (see forgotten-client.ts) is checked
    // the same way, once, before the person is sent there.
    let checkStored = !checkFirst && storedClientNeedsCheck(secrets, discovery.authorizationServerUrl, options.challenge)
    let reusedClientId = secrets.client?.client_id

    for (;;) {
      let authorizationUrl: URL | undefined
      const provider = new StoreBackedProvider({
        name,
        store: interactiveView(store, name),
        redirectUrl: redirectUri,
        clientMetadata: clientMetadataFor(redirectUri, scope, metadata),
        ...(options.clientMetadataUrl ? { clientMetadataUrl: options.clientMetadataUrl } : {}),
        discovery,
        ...(discovery.omitResource ? { omitResource: true } : {}),
        onAuthorizationUrl: (url) => {
          authorizationUrl = url
        },
      })

      const registering = !(await store.get(name))?.client
      let phase: Phase = registering ? 'registration' : 'authorization'
      try {
        await auth(provider, { serverUrl: options.serverUrl, ...(scope ? { scope } : {}), fetchFn })
      } catch (error) {
        const last = failures.last()
        // Some servers refuse an IP-literal redirect URI at registration (hermes-agent#29875).
        const other = registering && last && /redirect/i.test(last.said) ? otherLoopbackSpelling(redirectUri, refusedRedirects) : undefined
        if (other && last) {
          refusedRedirects.push({ redirectUri, said: `HTTP ${last.status}: ${last.said}` })
          io.progress(`The server refused to register the redirect URI ${redirectUri}; trying ${other}.`)
          redirectUri = other
          continue
        }
        // The hint names the first spelling tried: the one RFC 8252 prefers.
        throw flowError(phase, error, discovery, last, { ...context, redirectUri: refusedRedirects[0]?.redirectUri ?? redirectUri })
      }
      const client = (await store.get(name))?.client
      if (registering && client) rememberAcceptedClient(discovery.authorizationServerUrl, client.client_id)
      if (!authorizationUrl) throw new Error('The authorization step produced no URL to open.')
      phase = 'authorization'
      const safeUrl = parseSafeUrl((authorizationUrl as URL).href, 'authorization URL')

      if (checkFirst) {
        const verdict = await checkAuthorizationRequest(safeUrl, redirectUri, options.fetchFn)
        if (verdict.kind === 'refused') {
          if (canDropResource(discovery, verdict.error, verdict.description)) {
            await dropResource(store, name, discovery, io, verdict.said)
            continue
          }
          const other = otherLoopbackSpelling(redirectUri, refusedRedirects)
          refusedRedirects.push({ redirectUri, said: verdict.said })
          if (other) {
            io.progress(`The authorization server refused the redirect URI ${redirectUri} (${verdict.said}); trying ${other}.`)
            redirectUri = other
            continue
          }
          throw redirectRefused((await store.get(name)) ?? secrets, refusedRedirects, { ...context, ...(options.clientMetadataUrl ? { clientMetadataUrl: options.clientMetadataUrl } : {}) })
        }
      } else if (checkStored && client) {
        const verdict = await checkAuthorizationRequest(safeUrl, redirectUri, options.fetchFn)
        if (verdict.kind === 'refused' && canDropResource(discovery, verdict.error, verdict.description)) {
          await dropResource(store, name, discovery, io, verdict.said)
          continue
        }
        checkStored = false
        if (verdict.kind === 'refused' && refusesClient(verdict)) {
          const current = (await store.get(name)) ?? secrets
          if (current.clientSource !== 'dynamic') throw handRegisteredClientRefused(current, verdict.said, { ...context, redirectUri })
          io.progress(`The authorization server no longer knows the client ${quote(client.client_id)} the bridge registered earlier (it said ${verdict.said}); registering a new one.`)
          await forgetClient(store, name, client.client_id)
          before = withoutClient(before, client.client_id)
          reusedClientId = undefined
          // A new registration is made for the callback this login listens on, in the spelling RFC 8252 prefers.
          redirectUri = listener.redirectUri
          continue
        }
        if (verdict.kind === 'accepted') rememberAcceptedClient(discovery.authorizationServerUrl, client.client_id)
      }

      await presentAuthorizationUrl(io, safeUrl, redirectUri)
      const params = await waitForRedirect(listener, io, options.timeoutMs, redirectUri)
      // Who answered is settled before anything the answer says is acted on, an error included.
      checkResponseOrigin(params, provider.expectedState, metadata)
      if (canDropResource(discovery, params.get('error'), params.get('error_description'))) {
        await dropResource(store, name, discovery, io, `${quote(params.get('error') ?? '')} (${quote(params.get('error_description') ?? '')})`)
        continue
      }
      checkResponseError(params)
      const code = params.get('code')
      if (!code) throw new BridgeError('AUTHORIZATION_FAILED', 'The authorization server redirected back without a code.')

      phase = 'token exchange'
      io.progress('Exchanging the authorization code for tokens…')
      try {
        await auth(provider, { serverUrl: options.serverUrl, authorizationCode: code, fetchFn })
      } catch (error) {
        const failure = flowError(phase, error, discovery, failures.last(), context)
        const refused = (await store.get(name)) ?? {}
        if (refused.client && refused.clientSource === 'dynamic' && tokenEndpointRefusesClient(error, failures.last())) {
          // Of no use to any later login either; the next one registers a new client.
          await forgetClient(store, name, refused.client.client_id)
          before = withoutClient(before, refused.client.client_id)
          throw new BridgeError(failure.code, failure.message, {
            hint: `The server refused the client the bridge registered${refused.client.client_id === reusedClientId ? ' earlier' : ''}, so that registration is dropped: run \`mcp-oauth-bridge login ${name}\` again to register a new one.`,
            cause: error,
          })
        }
        throw failure
      }
      const accepted = (await store.get(name))?.client
      if (accepted) rememberAcceptedClient(discovery.authorizationServerUrl, accepted.client_id)
      await store.update(name, (current) => {
        const next = scope ? { ...current, requestedScope: scope } : { ...current }
        // The redirect URI the server accepted for a client we did not register ourselves.
        if (checkFirst && next.client) next.client = { ...next.client, redirect_uris: [redirectUri] }
        return next
      })
      return { discovery, scope, callbackPort: listener.port }
    }
  } catch (error) {
    await keepClientOfTokens(store, name, before)
    throw error
  } finally {
    await listener.close()
  }
}

/** `before` without a client the server refused: that one is never put back. */
function withoutClient(before: ServerSecrets | undefined, clientId: string): ServerSecrets | undefined {
  if (before?.client?.client_id !== clientId) return before
  const { client: _refused, ...rest } = before
  return rest
}

/**
 * Refresh tokens are bound to the client that obtained them (Notion refuses a refresh under
 * another client_id; OAuth 2.1 §4.3.1). A login that fails after registering a new client puts
 * the old client back while the old tokens are still the ones held, so they keep refreshing.
 */
async function keepClientOfTokens(store: TokenStore, name: string, before: ServerSecrets | undefined): Promise<void> {
  const oldClient = before?.client
  const oldTokens = before?.tokens
  if (!oldClient || !oldTokens) return
  await store.update(name, (current) => {
    if (current.tokens?.access_token !== oldTokens.access_token || current.client?.client_id === oldClient.client_id) return current
    const restored: ServerSecrets = { ...current, client: oldClient }
    if (before.clientSource) restored.clientSource = before.clientSource
    return restored
  })
}

/** What an error message needs to say which command to run. */
export interface FlowContext {
  name: string
  serverUrl: URL
  redirectUri?: string
}

/**
 * MCP 2025-11-25 §Scope Selection Strategy: the challenge's scope, else everything the resource
 * lists, else nothing. `offline_access` is added only where the authorization server lists it
 * (draft §Refresh Tokens), because some servers issue refresh tokens only then.
 */
export function chooseScope(
  override: string | undefined,
  challenge: AuthChallenge,
  discovery: Discovery,
  options: { offlineAccess?: boolean } = {},
): string | undefined {
  if (override) return override
  const scopes = new Set((challenge.scope ?? discovery.resourceMetadata?.scopes_supported?.join(' ') ?? '').split(' ').filter(Boolean))
  const asScopes = discovery.authorizationServerMetadata?.scopes_supported ?? []
  if (options.offlineAccess !== false && scopes.size > 0 && asScopes.includes('offline_access')) scopes.add('offline_access')
  return scopes.size ? [...scopes].join(' ') : undefined
}

function clientMetadataFor(
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
function interactiveView(store: TokenStore, name: string): TokenStore {
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

/**
 * A dynamically registered client must be registered anew when it cannot serve this login: it
 * belongs to another authorization server, its redirect URI changed, or its registered scope
 * does not cover the scopes now asked for (RFC 7591 §2: the registered scope bounds later
 * requests, and servers such as oidc-provider enforce it; this is what a step-up meets).
 */
export async function dropUnusableClient(
  store: TokenStore,
  name: string,
  discovery: Discovery,
  wanted: { redirectUri?: string; scope?: string | undefined },
): Promise<void> {
  await store.update(name, (secrets) => {
    const client = secrets.client
    if (!client || secrets.clientSource === 'pre-registered') return secrets
    const registered = client as { redirect_uris?: string[]; scope?: string }
    const boundElsewhere = client.issuer !== undefined && client.issuer !== discovery.authorizationServerUrl
    const isDynamic = secrets.clientSource === 'dynamic'
    // Either loopback spelling of the same callback will do (see otherLoopbackSpelling).
    const acceptable = wanted.redirectUri === undefined ? [] : [wanted.redirectUri, wanted.redirectUri.replace('//127.0.0.1:', '//localhost:')]
    const wrongRedirect = isDynamic && wanted.redirectUri !== undefined && registered.redirect_uris !== undefined && !registered.redirect_uris.some((uri) => acceptable.includes(uri))
    const registeredScopes = typeof registered.scope === 'string' ? new Set(registered.scope.split(' ')) : undefined
    const narrowScope = isDynamic && registeredScopes !== undefined && (wanted.scope ?? '').split(' ').some((scope) => scope && !registeredScopes.has(scope))
    if (!boundElsewhere && !wrongRedirect && !narrowScope) return secrets
    const { client: _dropped, ...rest } = secrets
    return rest
  })
}

/**
 * Credentials belong to the authorization server that issued them (MCP 2026-07-28
 * client-registration.mdx §Authorization Server Binding). A client the bridge registered is
 * registered again at the new server (dropUnusableClient); one the person registered by hand
 * cannot be, and presenting it elsewhere would hand its secret to another server, so the login
 * stops and says so (SHOULD report an error). The SDK stamps a client with the server that
 * accepted it; an unstamped one has never been used and binds to the first that accepts it.
 */
export function refuseClientOfAnotherServer(secrets: ServerSecrets, discovery: Discovery, name: string): void {
  const client = secrets.client
  if (!client || secrets.clientSource !== 'pre-registered' || client.issuer === undefined) return
  if (client.issuer === discovery.authorizationServerUrl) return
  throw new BridgeError('REGISTRATION_REQUIRED', `The client ${quote(client.client_id)} was registered with the authorization server ${quote(client.issuer)}, but the server now names ${quote(discovery.authorizationServerUrl)}; its credentials are not sent there.`, {
    hint: `Register a client with ${discovery.authorizationServerUrl} and add the server again with its --client-id (mcp-oauth-bridge remove ${name}, then add), or add it without --client-id to let the bridge register one.`,
  })
}

function planClient(
  secrets: ServerSecrets,
  discovery: Discovery,
  options: InteractiveAuthorization,
  redirectUri: string,
): string | undefined {
  const metadata = discovery.authorizationServerMetadata
  if (secrets.client) {
    return secrets.clientSource === 'pre-registered' ? `Using the pre-registered client ${quote(secrets.client.client_id)}` : undefined
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
  options: InteractiveAuthorization,
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
        `    mcp-oauth-bridge add ${options.name} ${options.serverUrl.href} --client-id <ID> [--client-secret <SECRET>] --callback-port ${port}` +
        (cimd ? '\n  Or host a client ID metadata document and pass --client-metadata-url <https URL>.' : ''),
    },
  )
}

async function presentAuthorizationUrl(io: FlowIo, url: URL, redirectUri: string): Promise<void> {
  if (io.browser === 'print') {
    io.progress(`Open this URL in a browser to authorize:\n\n  ${url.href}\n\nThen come back here. If the browser cannot reach this machine, paste the address it ends on (starting with ${new URL(redirectUri).origin}) here.`)
    return
  }
  io.progress('Opening the browser to authorize…')
  try {
    await io.openBrowser(url.href)
  } catch (error) {
    io.progress(`Could not open a browser (${summarise(error)}). Open this URL yourself:\n\n  ${url.href}\n`)
  }
  io.progress(`Waiting for the browser to come back (or visit ${url.href})`)
}

async function waitForRedirect(listener: LoopbackListener, io: FlowIo, timeoutMs: number, redirectUri: string): Promise<URLSearchParams> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new BridgeError('CALLBACK_TIMEOUT', `The browser did not come back to ${redirectUri} within ${Math.round(timeoutMs / 1000)} s.`, {
        hint:
          'Run the command again and finish the login in the browser; on a remote machine use --no-browser and paste the final URL, or --device.\n' +
          `  If the provider's page showed an error about the redirect URI, it does not accept ${redirectUri} for this client: ` +
          'use a client registered by hand with that redirect URI (--client-id, --callback-port) or a client ID metadata document (--client-metadata-url).',
      }))
    }, timeoutMs)
  })
  const contenders: Array<Promise<URLSearchParams>> = [listener.nextCallback(), timeout]
  if (io.browser === 'print' && io.pastedRedirects) contenders.push(readPastedRedirect(io.pastedRedirects, redirectUri, io))
  try {
    return await Promise.race(contenders)
  } finally {
    clearTimeout(timer)
  }
}

async function readPastedRedirect(lines: AsyncIterable<string>, redirectUri: string, io: FlowIo): Promise<URLSearchParams> {
  for await (const line of lines) {
    const text = line.trim()
    if (!text) continue
    try {
      const url = new URL(text)
      const expected = new URL(redirectUri)
      if (url.origin === expected.origin && url.pathname === expected.pathname) return url.searchParams
    } catch {
      // fall through to the hint
    }
    io.progress(`That is not the redirect address; it starts with ${redirectUri}?`)
  }
  return new Promise(() => undefined)
}

/**
 * `state` (RFC 6749 §10.12) and `iss` (RFC 9207 §2.4) are checked before anything else is read
 * (MCP 2026-07-28 authorization/index.mdx §Authorization Response Validation): `iss` is compared
 * with the issuer of the metadata this login used, as a plain string (no case, port, slash or
 * percent-encoding normalisation); it must be there when the metadata advertises
 * `authorization_response_iss_parameter_supported`, and is compared whenever it is there. On a
 * mismatch the response's `error` and `error_description` are neither acted on nor shown.
 */
export function checkResponseOrigin(
  params: URLSearchParams,
  expectedState: string,
  metadata: AuthorizationServerMetadata | undefined,
): void {
  if (params.get('state') !== expectedState) {
    throw new BridgeError('AUTHORIZATION_FAILED', 'The browser came back with a state that does not match this login; ignored it.', {
      hint: 'Run the command again, and finish only the newest login tab.',
    })
  }
  const iss = params.get('iss')
  const issSupported = (metadata as { authorization_response_iss_parameter_supported?: boolean } | undefined)
    ?.authorization_response_iss_parameter_supported === true
  if (metadata && (iss !== null || issSupported) && iss !== metadata.issuer) {
    throw new BridgeError('AUTHORIZATION_FAILED', `The authorization response names issuer ${quote(iss ?? '(none)')} but this login went to ${quote(metadata.issuer)}; refused (possible mix-up attack).`, {
      hint: 'Run the command again. If it repeats, the authorization server is misconfigured.',
    })
  }
}

/** An `error` in an authorization response that came from the right server. */
function checkResponseError(params: URLSearchParams): void {
  const error = params.get('error')
  if (error) {
    const description = params.get('error_description')
    const denied = error === 'access_denied'
    throw new BridgeError('AUTHORIZATION_FAILED', `The authorization server refused: ${quote(error)}${description ? ` (${quote(description)})` : ''}.`, {
      hint: denied
        ? 'The login or consent was declined. Run the command again and approve the request.'
        : 'Run the command again; if it repeats, check the client registration and scopes (--scope).',
    })
  }
}

const PHASE_CODES: Record<Phase, BridgeErrorCode> = {
  discovery: 'DISCOVERY_FAILED',
  registration: 'REGISTRATION_FAILED',
  authorization: 'AUTHORIZATION_FAILED',
  'token exchange': 'TOKEN_EXCHANGE_FAILED',
}

export function flowError(phase: Phase, error: unknown, discovery: Discovery, lastFailure?: FailedAnswer, context?: FlowContext): BridgeError {
  if (error instanceof BridgeError) return error
  const metadata = discovery.authorizationServerMetadata
  const endpoint =
    phase === 'registration' ? metadata?.registration_endpoint ?? new URL('/register', discovery.authorizationServerUrl).href
    : phase === 'token exchange' ? metadata?.token_endpoint ?? new URL('/token', discovery.authorizationServerUrl).href
    : metadata?.authorization_endpoint ?? discovery.authorizationServerUrl
  const said = lastFailure
    ? `HTTP ${lastFailure.status}: ${lastFailure.said}`
    : error instanceof OAuthError
      ? `${quote(error.errorCode)}${error.message ? ` (${quote(error.message)})` : ''}`
      : quote(summarise(error))
  const hint =
    phase === 'registration' && context?.redirectUri
      // Keycloak's "Trusted Hosts", hosted allowlists (Square, Intercom), scope enums (Supabase):
      // the way out is a client registered by hand, so say exactly how.
      ? `The server refused to register a client. Fix what it said, or register an app with the provider using the redirect URI ${context.redirectUri}, then run:\n` +
        `    mcp-oauth-bridge add ${context.name} ${context.serverUrl.href} --client-id <ID> [--client-secret <SECRET>] --callback-port ${new URL(context.redirectUri).port}`
      : phase === 'registration'
      ? 'The server refused to register a client. If it needs a pre-registered app, pass --client-id (and --client-secret).'
      : error instanceof OAuthError && error.errorCode === 'invalid_client'
        ? 'The client is not (or no longer) known to the server: run `mcp-oauth-bridge login` to register again, or check --client-id/--client-secret.'
        : 'Run the command again; if it repeats, the server operator can tell what the error means.'
  return new BridgeError(PHASE_CODES[phase], `The ${phase} step failed at ${endpoint}: the server said ${said}.`, { hint, cause: error })
}
