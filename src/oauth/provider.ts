// The SDK's OAuthClientProvider, backed by our TokenStore: the SDK runs the protocol steps
// (registration, PKCE, exchange), this class decides what is kept where. The PKCE verifier and
// `state` stay in memory only: they matter for one login and must never reach the disk.
import { randomBytes } from 'node:crypto'
import type {
  AddClientAuthentication,
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from '@modelcontextprotocol/client'
import { saveTokens } from '../tokens/save-tokens.js'
import type { StoredClient, TokenStore } from '../tokens/store.js'
import { fromTokenResponse } from '../tokens/token.js'

export const CLIENT_NAME = 'mcp-oauth-bridge'

export interface ProviderOptions {
  name: string
  store: TokenStore
  /** Undefined for machine-to-machine grants, which have no browser leg. */
  redirectUrl?: string
  clientMetadata: OAuthClientMetadata
  clientMetadataUrl?: string
  discovery: OAuthDiscoveryState
  addClientAuthentication?: AddClientAuthentication
  /** For grants other than authorization_code (client credentials). */
  tokenRequest?: (scope?: string) => URLSearchParams
  onAuthorizationUrl?: (url: URL) => void
  /** Leave the RFC 8707 `resource` parameter out (the authorization server refused it). */
  omitResource?: boolean
  now?: () => number
}

export class StoreBackedProvider implements OAuthClientProvider {
  readonly #options: ProviderOptions
  readonly #state = randomBytes(24).toString('base64url')
  #codeVerifier: string | undefined
  readonly addClientAuthentication?: AddClientAuthentication
  readonly clientMetadataUrl?: string

  constructor(options: ProviderOptions) {
    this.#options = options
    if (options.addClientAuthentication)
      this.addClientAuthentication = options.addClientAuthentication
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl
    if (options.tokenRequest) {
      const tokenRequest = options.tokenRequest
      this.prepareTokenRequest = (scope) => tokenRequest(scope)
    }
    // The SDK sends the resource metadata's `resource` verbatim unless this hook exists, so it is
    // defined only to leave the parameter out (Entra ID v2 refuses it: AADSTS901002).
    if (options.omitResource) this.validateResourceURL = async () => undefined
  }

  validateResourceURL?: (serverUrl: string | URL, resource?: string) => Promise<URL | undefined>

  prepareTokenRequest?: (scope?: string) => URLSearchParams

  get redirectUrl(): string | undefined {
    return this.#options.redirectUrl
  }

  get clientMetadata(): OAuthClientMetadata {
    return this.#options.clientMetadata
  }

  get expectedState(): string {
    return this.#state
  }

  state(): string {
    return this.#state
  }

  /**
   * A client without an issuer stamp (given with --client-id, or kept by an earlier version) has
   * never been used and binds to the first authorization server that accepts it. It is shown to
   * the SDK stamped with the server of this login, and the stamp is kept once tokens arrive
   * (saveTokens): a refused login leaves it unbound, as it was.
   */
  async clientInformation(ctx?: { issuer: string }): Promise<StoredClient | undefined> {
    const client = (await this.#options.store.get(this.#options.name))?.client
    if (!client || client.issuer !== undefined || !ctx) return client
    return { ...client, issuer: ctx.issuer }
  }

  async saveClientInformation(client: OAuthClientInformationMixed): Promise<void> {
    const source = client.client_id === this.clientMetadataUrl ? 'metadata-document' : 'dynamic'
    await this.#options.store.update(this.#options.name, (secrets) => ({
      ...secrets,
      client,
      // The SDK also calls this to stamp the issuer onto a pre-registered client: keep its source.
      clientSource:
        secrets.client?.client_id === client.client_id ? (secrets.clientSource ?? source) : source,
    }))
  }

  async tokens(): Promise<OAuthTokens | undefined> {
    return (await this.#options.store.get(this.#options.name))?.tokens
  }

  async saveTokens(
    tokens: OAuthTokens & { issuer?: string },
    ctx?: { issuer: string },
  ): Promise<void> {
    await saveTokens(
      this.#options.store,
      this.#options.name,
      fromTokenResponse(tokens, (this.#options.now ?? Date.now)()),
    )
    if (ctx) await this.#bindClient(ctx.issuer)
  }

  async #bindClient(issuer: string): Promise<void> {
    await this.#options.store.update(this.#options.name, (secrets) =>
      secrets.client && secrets.client.issuer === undefined
        ? { ...secrets, client: { ...secrets.client, issuer } }
        : secrets,
    )
  }

  redirectToAuthorization(url: URL): void {
    this.#options.onAuthorizationUrl?.(url)
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#codeVerifier = codeVerifier
  }

  codeVerifier(): string {
    if (!this.#codeVerifier)
      throw new Error('No PKCE verifier: the authorization was not started by this process.')
    return this.#codeVerifier
  }

  discoveryState(): OAuthDiscoveryState {
    return this.#options.discovery
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    // Merged, not replaced: what the bridge learnt itself (a 2025-03-26 server, a refused
    // `resource`) is not part of the SDK's state and must survive its re-saves.
    await this.#options.store.update(this.#options.name, (secrets) => ({
      ...secrets,
      discovery: { ...secrets.discovery, ...state },
    }))
  }
}
