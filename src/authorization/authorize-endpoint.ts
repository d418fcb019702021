// GET /authorize (OAuth 2.1 §4.1.1): checks the request, then parks it for the consent page.
// Until client and redirect URI are known good, problems are shown to the person instead of
// redirected (RFC 6749 §4.1.2.1), so the bridge never sends a browser to an unvetted address.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { html, page } from '../web/html.js'
import { send } from '../web/page-responses.js'
import { redirectError } from './authorization-response.js'
import { ClientMetadataError, type ClientRecord } from './client-metadata.js'
import { CONSENT_PATH } from './consent-page.js'
import type { AuthorizationContext } from './context.js'
import { issuerOf, serverOfResource } from './metadata.js'
import { isRegisteredRedirect } from './redirect-uris.js'

export async function handleAuthorize(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: AuthorizationContext,
): Promise<void> {
  const params = url.searchParams
  const clientId = params.get('client_id')
  if (!clientId) return problem(res, 'The request names no client_id.')
  let client: ClientRecord
  try {
    client = await ctx.clients.resolve(clientId)
  } catch (error) {
    if (error instanceof ClientMetadataError) return problem(res, error.message)
    throw error
  }
  const asked =
    params.get('redirect_uri') ??
    (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined)
  if (!asked)
    return problem(
      res,
      `${client.clientName} registered several redirect URIs, so the request must name one (redirect_uri).`,
    )
  if (!isRegisteredRedirect(asked, client.redirectUris))
    return problem(res, `The redirect_uri ${asked} is not one ${client.clientName} registered.`)

  const target = {
    redirectUri: asked,
    state: params.get('state') ?? undefined,
    issuer: issuerOf(req),
  }
  if (params.get('response_type') !== 'code')
    return redirectError(
      res,
      target,
      'unsupported_response_type',
      'This bridge supports response_type=code only.',
    )
  const challenge = params.get('code_challenge')
  // MCP 2025-11-25 §Authorization Code Protection; RFC 7636 §4.2: S256 only, 43 base64url characters.
  if (
    !challenge ||
    params.get('code_challenge_method') !== 'S256' ||
    !/^[A-Za-z0-9_-]{43}$/.test(challenge)
  ) {
    return redirectError(
      res,
      target,
      'invalid_request',
      'PKCE is required: send code_challenge with code_challenge_method=S256.',
    )
  }
  const resource = params.get('resource')
  const server = resource === null ? undefined : serverOfResource(resource, ctx.authorities())
  if (resource !== null && (server === undefined || !ctx.servers().includes(server))) {
    return redirectError(
      res,
      target,
      'invalid_target',
      `${resource} is not a server of this bridge; use http://localhost:<port>/mcp/<name> for a configured <name>.`,
    )
  }
  const pending = ctx.pending.open({
    client,
    redirectUri: asked,
    state: target.state,
    codeChallenge: challenge,
    server,
    issuer: target.issuer,
  })
  // The consent page lives where the login link put the session cookie.
  res
    .writeHead(303, {
      location: `${ctx.pageOrigin()}${CONSENT_PATH}?request=${pending.id}`,
      'cache-control': 'no-store',
    })
    .end()
}

function problem(res: ServerResponse, message: string): void {
  send(
    res,
    400,
    page(
      'Authorization refused',
      html`<h1>The bridge cannot continue this login</h1>
<p class="bad">${message}</p>
<p>Nothing was sent back to the client. Start the login again from the client; if it keeps failing, the client's registration or metadata document needs fixing.</p>`,
    ),
  )
}
