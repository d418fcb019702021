// The TokenStore seam: everything secret about a server (tokens, client registration,
// discovery results, static headers). Today an encrypted file (encrypted-file-store.ts); a team
// deployment can put the same interface on shared storage without touching the OAuth flow or the proxy.
import type { OAuthClientInformationMixed, OAuthDiscoveryState } from '@modelcontextprotocol/client'
import type { StoredTokens } from './token.js'

/** A client as the SDK keeps it, with the `issuer` stamp of the authorization server it belongs to. */
export type StoredClient = OAuthClientInformationMixed

export interface ServerSecrets {
  tokens?: StoredTokens
  client?: StoredClient
  discovery?: OAuthDiscoveryState
  /** Static upstream headers from `add --header` (may carry an API key). */
  headers?: Record<string, string>
  /** For private_key_jwt client authentication. */
  privateKeyPem?: string
  /** Where the client came from: given by the user, a metadata document URL, or registered by us. */
  clientSource?: 'pre-registered' | 'metadata-document' | 'dynamic'
  /** The scopes last asked for, so a step-up asks for their union with the new ones. */
  requestedScope?: string
  /**
   * Set when the server refused a refresh: only a new browser login helps. `clientRefused`: the
   * refusal named a client that is kept (given with --client-id), so the next login checks it first.
   */
  loginRequired?: { reason: string; since: string; clientRefused?: boolean }
}

export interface TokenStore {
  get(name: string): Promise<ServerSecrets | undefined>
  all(): Promise<Record<string, ServerSecrets>>
  /** Read-modify-write under the store's lock; returning undefined forgets the server. */
  update(
    name: string,
    change: (current: ServerSecrets) => ServerSecrets | undefined,
  ): Promise<ServerSecrets | undefined>
  /** Holds a per-server lock shared by every process, e.g. around a refresh. */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T>
  /** The credential MCP clients present to the bridge itself (never an upstream token); made on first use. */
  bridgeAccessToken(): Promise<string>
}
