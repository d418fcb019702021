// GET and POST /authorize/consent: the page for a waiting request, shown only to the bridge's
// signed-in owner (the page session cookie), and its answer, accepted only with that session's
// CSRF token. The guard lets a form's `Origin: null` through to here, where the token decides.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { constantTimeEqual } from '../web/constant-time.js'
import { html, page, PAGE_HEADERS } from '../web/html.js'
import { send } from '../web/page-responses.js'
import { redirectError, redirectToClient } from './authorization-response.js'
import { renderConsentPage, renderSignInNeeded } from './consent-page.js'
import type { AuthorizationContext } from './context.js'
import type { PendingAuthorization } from './pending.js'
import { clearedReturnCookie, returnCookie } from './return-path.js'
import { readForm } from '../web/form.js'

export async function handleConsent(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: AuthorizationContext,
): Promise<void> {
  const csrf = ctx.sessions.csrfFor(req, ctx.accessRequired())
  if (req.method === 'GET') {
    const pending = ctx.pending.get(url.searchParams.get('request') ?? '')
    if (!pending) return expired(res)
    if (csrf === undefined) return signInFirst(res, pending)
    const view = renderConsentPage(pending, csrf)
    res
      .writeHead(200, {
        ...view.headers,
        'set-cookie': clearedReturnCookie(),
        'content-length': Buffer.byteLength(view.body),
      })
      .end(view.body)
    return
  }
  const form = await readForm(req)
  const pending = ctx.pending.get(form?.get('request') ?? '')
  if (!pending) return expired(res)
  if (csrf === undefined) return signInFirst(res, pending)
  if (!form || !constantTimeEqual(form.get('csrf') ?? '', csrf)) {
    send(
      res,
      403,
      page(
        'Refused',
        html`<h1>Refused</h1><p>This answer did not come from the bridge's consent page, so it was ignored; the request still waits on <a href="/authorize/consent?request=${pending.id}">its page</a>.</p>`,
      ),
    )
    return
  }
  const decision = form.get('decision')
  if (decision === 'deny') {
    ctx.pending.settle(pending.id, undefined)
    return redirectError(
      res,
      pending,
      'access_denied',
      'The bridge owner denied access on the consent page.',
    )
  }
  if (decision !== 'allow') {
    send(
      res,
      400,
      page(
        'Choose',
        html`<h1>Choose Allow or Deny</h1><p><a href="/authorize/consent?request=${pending.id}">Back to the request</a></p>`,
      ),
    )
    return
  }
  const resource = form.get('reach') === 'server' && pending.server ? pending.server : '*'
  const code = ctx.pending.settle(pending.id, resource)
  if (!code) return expired(res)
  redirectToClient(res, pending, { code })
}

function signInFirst(res: ServerResponse, pending: PendingAuthorization): void {
  const body = renderSignInNeeded(pending)
  res
    .writeHead(401, {
      ...PAGE_HEADERS,
      'set-cookie': returnCookie(pending.id),
      'content-length': Buffer.byteLength(body),
    })
    .end(body)
}

function expired(res: ServerResponse): void {
  send(
    res,
    400,
    page(
      'Request expired',
      html`<h1>This authorization request is no longer waiting</h1><p>It was answered already, it waited too long, or the bridge restarted. Start the login again from the client.</p>`,
    ),
  )
}
