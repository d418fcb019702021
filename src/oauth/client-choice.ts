// Which stored client a login may present, and which it must not: one bound to another
// authorization server, one registered for another redirect URI or narrower scopes, and the
// client that obtained the tokens still held, which is put back when a login fails.
import { BridgeError, quote } from '../errors.js'
import type { ServerSecrets, TokenStore } from '../tokens/store.js'
import { boundToThisServer, type Discovery } from './discovery.js'
import { commandLine } from '../cli/commands-named.js'

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
    const boundElsewhere =
      client.issuer !== undefined && !boundToThisServer(client.issuer, discovery)
    const isDynamic = secrets.clientSource === 'dynamic'
    // Either loopback spelling of the same callback will do (see otherLoopbackSpelling).
    const acceptable =
      wanted.redirectUri === undefined
        ? []
        : [wanted.redirectUri, wanted.redirectUri.replace('//127.0.0.1:', '//localhost:')]
    const wrongRedirect =
      isDynamic &&
      wanted.redirectUri !== undefined &&
      registered.redirect_uris !== undefined &&
      !registered.redirect_uris.some((uri) => acceptable.includes(uri))
    const registeredScopes =
      typeof registered.scope === 'string' ? new Set(registered.scope.split(' ')) : undefined
    const narrowScope =
      isDynamic &&
      registeredScopes !== undefined &&
      (wanted.scope ?? '').split(' ').some((scope) => scope && !registeredScopes.has(scope))
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
export function refuseClientOfAnotherServer(
  secrets: ServerSecrets,
  discovery: Discovery,
  name: string,
): void {
  const client = secrets.client
  if (!client || secrets.clientSource !== 'pre-registered' || client.issuer === undefined) return
  if (boundToThisServer(client.issuer, discovery)) return
  throw new BridgeError(
    'REGISTRATION_REQUIRED',
    `The client ${quote(client.client_id)} was registered with the authorization server ${quote(client.issuer)}, but the server now names ${quote(discovery.authorizationServerUrl)}; its credentials are not sent there.`,
    {
      hint: `Register a client with ${discovery.authorizationServerUrl} and add the server again with its --client-id (${commandLine.remove(name)}, then add), or add it without --client-id to let the bridge register one.`,
    },
  )
}

/** `before` without a client the server refused: that one is never put back. */
export function withoutClient(
  before: ServerSecrets | undefined,
  clientId: string,
): ServerSecrets | undefined {
  if (before?.client?.client_id !== clientId) return before
  const { client: _refused, ...rest } = before
  return rest
}

/**
 * Refresh tokens are bound to the client that obtained them (Notion refuses a refresh under
 * another client_id; OAuth 2.1 §4.3.1). A login that fails after registering a new client puts
 * the old client back while the old tokens are still the ones held, so they keep refreshing.
 */
export async function keepClientOfTokens(
  store: TokenStore,
  name: string,
  before: ServerSecrets | undefined,
): Promise<void> {
  const oldClient = before?.client
  const oldTokens = before?.tokens
  if (!oldClient || !oldTokens) return
  await store.update(name, (current) => {
    if (
      current.tokens?.access_token !== oldTokens.access_token ||
      current.client?.client_id === oldClient.client_id
    )
      return current
    const restored: ServerSecrets = { ...current, client: oldClient }
    if (before.clientSource) restored.clientSource = before.clientSource
    return restored
  })
}
