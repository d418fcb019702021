#!/usr/bin/env node
// Baseline conformance client: the bare MCP TypeScript SDK, no product code.
//
//   node scripts/conformance/sdk-client.mjs <serverUrl>      (run by the conformance suite)
//   node scripts/conformance/run.mjs --client sdk [scenario…]
//
// It answers "what does the SDK's own auth() flow score?", so the product's table can be read
// against it. OAuth: an in-memory OAuthClientProvider, a loopback callback server on
// 127.0.0.1:0, and the same redirect-following logic as browser.mjs, in-process. A fetch
// wrapper runs auth() on 401 and on 403 insufficient_scope (at most 3 authorizations per
// run), like the suite's own example client. Client-credentials scenarios use the SDK's
// ClientCredentialsProvider / PrivateKeyJwtProvider.

import http from 'node:http'
import {
  auth,
  extractWWWAuthenticateParams,
  UnauthorizedError,
} from '@modelcontextprotocol/sdk/client/auth.js'
import {
  ClientCredentialsProvider,
  PrivateKeyJwtProvider,
} from '@modelcontextprotocol/sdk/client/auth-extensions.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { visitAuthorizationUrl } from './browser.mjs'
import {
  CIMD_CLIENT_METADATA_URL,
  isClientCredentialsScenario,
  log,
  readContext,
  runScenario,
  trackGetStream,
} from './scenario-actions.mjs'

const MAX_AUTHORIZATIONS = 3

/** Loopback server that receives the authorization response. */
async function startCallbackServer() {
  let waiter
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname !== '/callback') {
      res.writeHead(404).end()
      return
    }
    res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end('Authorization received. You can close this window.')
    waiter?.(url.searchParams)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    redirectUrl: `http://127.0.0.1:${port}/callback`,
    /** Arms the next callback; must be called before the browser is sent. */
    nextCallback() {
      return new Promise((resolve) => {
        waiter = resolve
      })
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

class InMemoryProvider {
  constructor(redirectUrl, callback, { clientMetadataUrl, preRegistered } = {}) {
    this._redirectUrl = redirectUrl
    this._callback = callback
    this._clientMetadataUrl = clientMetadataUrl
    this._clientInformation = preRegistered
    this._tokens = undefined
    this._codeVerifier = undefined
    this._state = undefined
    this.pendingCode = undefined
  }
  get redirectUrl() {
    return this._redirectUrl
  }
  get clientMetadataUrl() {
    return this._clientMetadataUrl
  }
  get clientMetadata() {
    return {
      client_name: 'sdk-conformance-baseline',
      redirect_uris: [this._redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
  }
  state() {
    this._state = crypto.randomUUID()
    return this._state
  }
  clientInformation() {
    return this._clientInformation
  }
  saveClientInformation(info) {
    this._clientInformation = info
  }
  tokens() {
    return this._tokens
  }
  saveTokens(tokens) {
    this._tokens = tokens
  }
  saveCodeVerifier(v) {
    this._codeVerifier = v
  }
  codeVerifier() {
    if (!this._codeVerifier) throw new Error('no code verifier saved')
    return this._codeVerifier
  }
  invalidateCredentials(scope) {
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined
    if (scope === 'all' || scope === 'client') this._clientInformation = undefined
  }
  async redirectToAuthorization(authorizationUrl) {
    const params = this._callback.nextCallback()
    await visitAuthorizationUrl(authorizationUrl.toString(), { log: (m) => log(`browser: ${m}`) })
    const got = await params
    if (got.get('state') !== this._state)
      throw new Error('state mismatch in authorization response')
    if (got.get('error')) throw new Error(`authorization error: ${got.get('error')}`)
    this.pendingCode = got.get('code')
  }
}

/** fetch wrapper: on 401 (or 403 insufficient_scope) authorize with auth() and retry once. */
function withAuthorization(provider, serverUrl, fetchFn) {
  let authorizations = 0
  const authorize = async (response) => {
    if (++authorizations > MAX_AUTHORIZATIONS) {
      throw new UnauthorizedError(`giving up after ${MAX_AUTHORIZATIONS} authorizations`)
    }
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(response)
    log(`HTTP ${response.status}: authorizing (scope ${scope ?? '-'}), attempt ${authorizations}`)
    let result = await auth(provider, { serverUrl, resourceMetadataUrl, scope, fetchFn })
    if (result === 'REDIRECT') {
      const authorizationCode = provider.pendingCode
      provider.pendingCode = undefined
      if (!authorizationCode) throw new UnauthorizedError('no authorization code received')
      result = await auth(provider, {
        serverUrl,
        resourceMetadataUrl,
        scope,
        authorizationCode,
        fetchFn,
      })
    }
    if (result !== 'AUTHORIZED') throw new UnauthorizedError(`authorization ended with ${result}`)
  }
  return async (input, init) => {
    const send = async () => {
      const headers = new Headers(init?.headers)
      const tokens = await provider.tokens()
      if (tokens) headers.set('authorization', `Bearer ${tokens.access_token}`)
      return fetchFn(input, { ...init, headers })
    }
    let response = await send()
    const needsAuth =
      response.status === 401 ||
      (response.status === 403 &&
        extractWWWAuthenticateParams(response).error === 'insufficient_scope')
    if (needsAuth) {
      await response.body?.cancel().catch(() => {})
      await authorize(response)
      response = await send()
    }
    return response
  }
}

async function main() {
  const serverUrl = process.argv[2]
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? ''
  if (!serverUrl)
    throw new Error('usage: sdk-client.mjs <serverUrl> (MCP_CONFORMANCE_SCENARIO set)')
  const ctx = readContext()
  log(`scenario ${scenario || '(unset)'} against ${serverUrl}`)

  const tracker = trackGetStream(fetch)

  if (isClientCredentialsScenario(scenario)) {
    const authProvider = ctx.private_key_pem
      ? new PrivateKeyJwtProvider({
          clientId: ctx.client_id,
          privateKey: ctx.private_key_pem,
          algorithm: ctx.signing_algorithm ?? 'ES256',
        })
      : new ClientCredentialsProvider({ clientId: ctx.client_id, clientSecret: ctx.client_secret })
    const transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
      authProvider,
      fetch: tracker.fetch,
    })
    await runScenario({ scenario, transport, waitForGetStream: tracker.waitForGetStream })
    return
  }

  const callback = await startCallbackServer()
  try {
    const preRegistered = ctx.client_id
      ? {
          client_id: ctx.client_id,
          client_secret: ctx.client_secret,
          redirect_uris: [callback.redirectUrl],
        }
      : undefined
    const provider = new InMemoryProvider(callback.redirectUrl, callback, {
      clientMetadataUrl: CIMD_CLIENT_METADATA_URL,
      preRegistered,
    })
    const transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
      fetch: withAuthorization(provider, serverUrl, tracker.fetch),
    })
    await runScenario({ scenario, transport, waitForGetStream: tracker.waitForGetStream })
  } finally {
    await callback.close()
  }
}

main().then(
  () => {
    log('done')
    process.exit(0)
  },
  (err) => {
    log(`FAILED: ${err?.stack ?? err}`)
    process.exit(1)
  },
)
