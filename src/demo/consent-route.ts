// POST /consent: the Allow or Deny from the consent page, turned into a redirect to the client.
// The body is read here (small, urlencoded) rather than with a body-parser dependency.
import type { IncomingMessage } from 'node:http'
import type { Request, RequestHandler, Response } from 'express'
import { renderConsentProblem } from './consent-page.js'
import { CONSENT_PATH, consentCookieName } from './consent-requests.js'
import type { DemoOAuthProvider } from './demo-oauth-provider.js'

const MAX_FORM_BYTES = 8 * 1024

export function createConsentRoute(options: {
  provider: DemoOAuthProvider
  issuer: URL
}): RequestHandler {
  return (req, res) => {
    void answerConsent(req, res, options).catch(() => {
      if (!res.headersSent)
        sendProblem(
          res,
          500,
          'Something went wrong',
          'The demo authorization server failed to read the answer. Start the login again.',
        )
    })
  }
}

async function answerConsent(
  req: Request,
  res: Response,
  options: { provider: DemoOAuthProvider; issuer: URL },
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST')
    sendProblem(
      res,
      405,
      'Nothing to see here',
      'This address only receives the answer of the consent page.',
    )
    return
  }
  if (cameFromAnotherSite(req, options.issuer)) {
    sendProblem(
      res,
      403,
      'This answer came from another site',
      'Only the consent page itself may answer it. Start the login again from the app that sent you here.',
    )
    return
  }
  const form = await readForm(req)
  if (!form) {
    sendProblem(res, 400, 'Not a consent answer', 'The request was not a small urlencoded form.')
    return
  }
  const requestId = form.get('request_id') ?? ''
  const decision = options.provider.decideConsent({
    requestId,
    formToken: form.get('csrf_token') ?? undefined,
    cookieToken: readCookie(req.headers.cookie, consentCookieName(requestId)),
    decision: form.get('decision') ?? undefined,
  })
  if (decision.kind === 'problem') {
    sendProblem(res, decision.status, decision.title, decision.message)
    return
  }
  res.clearCookie(consentCookieName(decision.requestId), { path: CONSENT_PATH })
  res.setHeader('cache-control', 'no-store')
  // 303: the browser follows with a GET, so the form body never reaches the client's redirect URI.
  res.redirect(303, decision.location)
}

/**
 * Whether the browser itself says this form was sent by a page of another origin. `Origin: null`
 * says nothing either way (a page or browser that sends no referrer makes Chromium send it on
 * form POSTs), so such an answer goes on to the token check, which only the consent page this
 * browser loaded can pass: the form token is on that page and nowhere else, and the cookie is
 * SameSite=Strict. Fetch metadata, when sent, names the initiator even when Origin is null.
 */
function cameFromAnotherSite(req: IncomingMessage, issuer: URL): boolean {
  const site = req.headers['sec-fetch-site']
  if (site === 'cross-site' || site === 'same-site') return true
  const origin = req.headers.origin
  return origin !== undefined && origin !== 'null' && origin !== issuer.origin
}

function sendProblem(res: Response, status: number, title: string, message: string): void {
  const page = renderConsentProblem(title, message)
  res.status(status).set(page.headers).send(page.html)
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return undefined
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_FORM_BYTES) return undefined
    chunks.push(chunk as Buffer)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const separator = part.indexOf('=')
    if (separator > 0 && part.slice(0, separator).trim() === name)
      return part.slice(separator + 1).trim()
  }
  return undefined
}
