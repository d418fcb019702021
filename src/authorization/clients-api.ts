// Managing connected clients: JSON endpoints for the `clients` command (bridge access
// token, like `approvals`), and the dashboard's Revoke form (session cookie plus CSRF token).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { constantTimeEqual, hasBridgeToken } from '../web/constant-time.js'
import { html, page } from '../web/html.js'
import { send, sendLoginNeeded } from '../web/page-responses.js'
import type { AuthorizationContext } from './context.js'
import { groupByClient } from './connected-clients.js'
import { readSmallBody, sendOAuthJson } from './oauth-json.js'
import { command } from '../cli/commands-named.js'

export const CLIENTS_API = '/clients/api/'

export async function handleClientsApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: AuthorizationContext,
  bridgeToken: string | undefined,
): Promise<void> {
  if (bridgeToken !== undefined && !hasBridgeToken(req, bridgeToken)) {
    req.resume()
    return sendOAuthJson(res, 401, {
      error: `Send the bridge access token (${command('clients')} does).`,
    })
  }
  const action = url.pathname.slice(CLIENTS_API.length)
  if (req.method === 'GET' && action === 'list')
    return sendOAuthJson(res, 200, { clients: groupByClient(await ctx.grants.list()) })
  if (req.method === 'POST' && action === 'revoke') {
    const text = await readSmallBody(req, 4096)
    const clientId = (() => {
      try {
        return (JSON.parse(text ?? '') as { clientId?: unknown }).clientId
      } catch {
        return undefined
      }
    })()
    if (typeof clientId !== 'string')
      return sendOAuthJson(res, 400, { error: 'Send {"clientId": "…"} as JSON.' })
    const revoked = await ctx.grants.revoke((grant) => grant.clientId === clientId)
    if (revoked === 0)
      return sendOAuthJson(res, 404, {
        error: `No connected client has the id ${JSON.stringify(clientId)}; see ${command('clients')}.`,
      })
    return sendOAuthJson(res, 200, { revoked })
  }
  if (req.method === 'POST' && action === 'login-link') {
    req.resume()
    const link = ctx.accessRequired()
      ? `${ctx.pageOrigin()}/?login=${ctx.sessions.issueLoginNonce()}`
      : `${ctx.pageOrigin()}/`
    return sendOAuthJson(res, 200, { link })
  }
  sendOAuthJson(res, 404, { error: `Nothing at ${url.pathname}.` })
}

export async function handleRevokeForm(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthorizationContext,
): Promise<void> {
  const csrf = ctx.sessions.csrfFor(req, ctx.accessRequired())
  if (csrf === undefined) {
    req.resume()
    return sendLoginNeeded(res)
  }
  const text = String(req.headers['content-type'] ?? '').startsWith(
    'application/x-www-form-urlencoded',
  )
    ? await readSmallBody(req, 4096)
    : undefined
  const form = new URLSearchParams(text ?? '')
  if (text === undefined || !constantTimeEqual(form.get('csrf') ?? '', csrf)) {
    send(
      res,
      403,
      page(
        'Refused',
        html`<h1>Refused</h1><p>This form did not come from the dashboard. <a href="/">Back to the dashboard</a></p>`,
      ),
    )
    return
  }
  await ctx.grants.revoke((grant) => grant.clientId === form.get('client_id'))
  res.writeHead(303, { location: '/', 'cache-control': 'no-store' }).end()
}
