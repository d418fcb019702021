// The retries a first login may need with servers that refuse parts of a standard request:
// the redirect URI spelled `127.0.0.1` or `localhost` (providers compare them as strings), and
// the RFC 8707 `resource` parameter (Entra ID refuses it). Each is tried once, and what worked
// is remembered for that server.
import { BridgeError, quote } from '../errors.js'
import type { ServerSecrets, TokenStore } from '../tokens/store.js'
import type { Discovery } from './discovery.js'
import type { FlowContext, FlowIo } from './login-terms.js'
import { describeBody, type FetchLike } from './http.js'
import type { LoopbackListener } from './loopback.js'
import { commandLine } from '../cli/commands-named.js'

export function usesMetadataDocument(
  discovery: Discovery,
  clientMetadataUrl: string | undefined,
): boolean {
  return (
    discovery.authorizationServerMetadata?.client_id_metadata_document_supported === true &&
    clientMetadataUrl !== undefined
  )
}

/** The redirect URI the client is registered (or was last accepted) with, if it is on this port. */
export function confirmedRedirectUri(
  secrets: ServerSecrets,
  listener: LoopbackListener,
): string | undefined {
  const uri = (secrets.client as { redirect_uris?: string[] } | undefined)?.redirect_uris?.[0]
  if (!uri) return undefined
  return uri === listener.redirectUriFor('127.0.0.1') ||
    uri === listener.redirectUriFor('localhost')
    ? uri
    : undefined
}

/** 127.0.0.1 <-> localhost, each tried once. */
export function otherLoopbackSpelling(
  redirectUri: string,
  refused: Array<{ redirectUri: string }>,
): string | undefined {
  const url = new URL(redirectUri)
  url.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost'
  const other = url.href
  return other === redirectUri || refused.some((entry) => entry.redirectUri === other)
    ? undefined
    : other
}

/**
 * Entra ID v2 refuses the RFC 8707 `resource` parameter (AADSTS901002), and newer Entra refuses a
 * `resource` that is not the resource of the requested scopes (AADSTS9010010, invalid_target).
 * MCP says to send it; where the server refuses it explicitly, the login is run again without it.
 */
export function canDropResource(
  discovery: Discovery,
  error: string | null | undefined,
  description: string | null | undefined,
): boolean {
  if (discovery.omitResource || !discovery.resourceMetadata) return false
  return (
    error === 'invalid_target' ||
    (error === 'invalid_request' && /\bresource\b/i.test(description ?? ''))
  )
}

export async function dropResource(
  store: TokenStore,
  name: string,
  discovery: Discovery,
  io: FlowIo,
  said: string,
): Promise<void> {
  discovery.omitResource = true
  await store.update(name, (secrets) => ({
    ...secrets,
    discovery: { ...secrets.discovery, ...discovery },
  }))
  io.progress(
    `The authorization server refuses the resource parameter (${said}); logging in again without it.`,
  )
}

export type AuthorizationRequestVerdict =
  | { kind: 'accepted' }
  | {
      kind: 'refused'
      said: string
      error?: string | null | undefined
      description?: string | null | undefined
      /** The status of an error page; absent for a redirect back carrying an error. */
      status?: number
    }

/**
 * Loads the authorization URL without following redirects, as a browser's first request would:
 * a login page or a redirect means the server took the request; a 4xx or 5xx page, or a redirect
 * back to us carrying an error, means it refused it before any person could act.
 */
export async function checkAuthorizationRequest(
  url: URL,
  redirectUri: string,
  fetchFn: FetchLike,
): Promise<AuthorizationRequestVerdict> {
  const response = await fetchFn(url, {
    method: 'GET',
    headers: { accept: 'text/html' },
    redirect: 'manual',
  })
  const location = response.headers.get('location')
  if (response.status >= 300 && response.status < 400 && location) {
    const target = new URL(location, url)
    const expected = new URL(redirectUri)
    if (
      target.origin === expected.origin &&
      target.pathname === expected.pathname &&
      target.searchParams.has('error')
    ) {
      const error = target.searchParams.get('error')
      const description = target.searchParams.get('error_description')
      return {
        kind: 'refused',
        said: `${quote(error ?? '')}${description ? ` (${quote(description)})` : ''}`,
        error,
        description,
      }
    }
    return { kind: 'accepted' }
  }
  if (response.status < 400) return { kind: 'accepted' }
  const text = await response.text().catch(() => '')
  let error: string | undefined
  let description: string | undefined
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown }
    if (typeof body.error === 'string') error = body.error
    if (typeof body.error_description === 'string') description = body.error_description
  } catch {
    // not OAuth JSON
  }
  return {
    kind: 'refused',
    said: `HTTP ${response.status}: ${describeBody(text)}`,
    error,
    description,
    status: response.status,
  }
}

export function redirectRefused(
  secrets: ServerSecrets,
  refused: Array<{ redirectUri: string; said: string }>,
  context: FlowContext & { clientMetadataUrl?: string },
): BridgeError {
  const clientId = secrets.client?.client_id ?? '<ID>'
  const tried = refused.map((entry) => entry.redirectUri)
  const message = `The authorization server refused to start a login for client ${quote(clientId)} with the redirect URI ${tried.join(' or ')}: it said ${refused.at(-1)?.said ?? 'nothing'}.`
  if (context.clientMetadataUrl) {
    return new BridgeError('AUTHORIZATION_FAILED', message, {
      hint:
        `List ${tried[0]} in the redirect_uris of your client ID metadata document at ${context.clientMetadataUrl} (the port must match), then run the command again; ` +
        `or, to use a port the document already lists:\n    ${commandLine.add(context.name, context.serverUrl.href, `--client-metadata-url ${context.clientMetadataUrl} --callback-port <PORT>`)}`,
    })
  }
  const secret = secrets.client?.client_secret ? ' --client-secret <SECRET>' : ''
  return new BridgeError('AUTHORIZATION_FAILED', message, {
    hint:
      `Add ${tried[0]} to the redirect URIs of this client in the provider's settings, then run the command again.\n` +
      `  If the client is registered with another port, use that one:\n` +
      `    ${commandLine.add(context.name, context.serverUrl.href, `--client-id ${clientId}${secret} --callback-port <PORT>`)}`,
  })
}
