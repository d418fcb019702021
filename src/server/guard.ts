// Who may talk to the bridge at the HTTP level. Loopback is no boundary by itself: a web page
// in the user's browser can send requests to 127.0.0.1, and DNS rebinding can make one look
// same-origin. So the Host must be our own loopback name, and an Origin, when sent, our own;
// only a form posted to one of the bridge's pages may say `Origin: null` (see below), and the
// page then requires the form's CSRF token.
import type { IncomingMessage } from 'node:http'
import { requestPath } from './request-path.js'

export interface GuardVerdict {
  ok: boolean
  reason?: string
  /**
   * Who reads a refusal: a person at one of the bridge's pages gets an HTML page saying what to
   * do; MCP clients and the page scripts' JSON endpoints get JSON.
   */
  audience: 'person' | 'program'
}

export function loopbackAuthorities(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
}

export function checkHostAndOrigin(req: IncomingMessage, allowed: Set<string>): GuardVerdict {
  const audience = isPagePath(requestPath(req.url)) ? 'person' : 'program'
  const host = req.headers.host?.toLowerCase()
  if (!host || !allowed.has(host)) {
    return {
      ok: false,
      audience,
      reason: `Host ${JSON.stringify(host ?? '')} is not this bridge's address`,
    }
  }
  const origin = req.headers.origin
  if (origin === 'null' && isPageForm(req)) {
    // Chromium sends `Origin: null` with a form POST whenever the page's referrer policy sends
    // no referrer, so here it proves nothing either way. The page route decides with the form's
    // CSRF token, which only a page the bridge served to this session holds. Fetch metadata,
    // when sent, still names a foreign initiator (another loopback port is "same-site").
    const site = req.headers['sec-fetch-site']
    if (site === 'cross-site' || site === 'same-site') {
      return {
        ok: false,
        audience,
        reason: 'this form was sent by a page of another site or address',
      }
    }
    return { ok: true, audience }
  }
  if (origin !== undefined) {
    let authority: string | undefined
    try {
      const url = new URL(origin)
      authority = url.protocol === 'http:' ? url.host.toLowerCase() : undefined
    } catch {
      authority = undefined
    }
    if (!authority || !allowed.has(authority)) {
      return {
        ok: false,
        audience,
        reason: `requests from ${JSON.stringify(origin)} are not allowed`,
      }
    }
  }
  return { ok: true, audience }
}

/**
 * The bridge's own pages: everything but the MCP endpoints, the health check and the JSON
 * endpoints the approvals page's script (and the `approvals` command) call.
 */
function isPagePath(path: string): boolean {
  return !(
    path === '/mcp' ||
    path.startsWith('/mcp/') ||
    path === '/health' ||
    path.startsWith('/approvals/api/')
  )
}

/** A form a page of the bridge posts (the dashboard's buttons): urlencoded, to a page path. */
function isPageForm(req: IncomingMessage): boolean {
  return (
    req.method === 'POST' &&
    String(req.headers['content-type'] ?? '')
      .toLowerCase()
      .startsWith('application/x-www-form-urlencoded') &&
    isPagePath(requestPath(req.url))
  )
}
