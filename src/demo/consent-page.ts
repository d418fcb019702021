// The demo authorization server's pages: the consent page a person answers with Allow or Deny,
// and the page shown when a consent cannot be completed. Every value that came from a client or
// a request is HTML-escaped (a client picks its own client_name at registration), and the pages
// are served under a CSP that runs no script at all.
import { randomBytes } from 'node:crypto'

export interface ConsentView {
  /** Self-asserted by the client at registration: untrusted. */
  clientName: string | undefined
  clientId: string
  redirectUri: string
  resourceName: string
  resource: string
  scopes: Array<{ name: string; description: string }>
  requestId: string
  csrfToken: string
  formAction: string
}

export interface RenderedPage {
  html: string
  headers: Record<string, string>
}

export function renderConsentPage(view: ConsentView): RenderedPage {
  const nonce = newNonce()
  const client = view.clientName?.trim() || view.clientId
  const returnTo = new URL(view.redirectUri)
  const body = `
  <p class="banner">mcp-oauth-bridge demo: a practice login. Nothing here touches a real account.</p>
  <main>
    <h1><span class="client">${escapeHtml(client)}</span> wants to use the ${escapeHtml(view.resourceName)}</h1>
    <p>You are signed in as <strong>Demo User</strong>. (A real provider would ask you to sign in first; the demo skips that.)</p>
    <h2>It asks to</h2>
    <ul>
      ${view.scopes.map((scope) => `<li><code>${escapeHtml(scope.name)}</code>: ${escapeHtml(scope.description)}</li>`).join('\n      ')}
    </ul>
    <dl>
      <dt>Resource</dt><dd><code>${escapeHtml(view.resource)}</code></dd>
      <dt>Client ID</dt><dd><code>${escapeHtml(view.clientId)}</code></dd>
      <dt>You will be sent back to</dt><dd><code>${escapeHtml(returnTo.href)}</code></dd>
    </dl>
    <p class="note">The app chose its own name when it registered. Trust the address you will be sent back to, not the name.</p>
    <form method="post" action="${escapeHtml(view.formAction)}">
      <input type="hidden" name="request_id" value="${escapeHtml(view.requestId)}">
      <input type="hidden" name="csrf_token" value="${escapeHtml(view.csrfToken)}">
      <button type="submit" name="decision" value="allow" class="allow">Allow</button>
      <button type="submit" name="decision" value="deny">Deny</button>
    </form>
  </main>`
  return {
    html: page(`Authorize ${client}`, body, nonce),
    headers: securityHeaders(nonce, formTargets(returnTo)),
  }
}

/** A dead end (expired, forged or unknown request): says what happened and what to do. */
export function renderConsentProblem(title: string, message: string): RenderedPage {
  const nonce = newNonce()
  const body = `
  <p class="banner">mcp-oauth-bridge demo</p>
  <main>
    <h1>${escapeHtml(title)}</h1>
    <p>${escapeHtml(message)}</p>
  </main>`
  return { html: page(title, body, nonce), headers: securityHeaders(nonce, "'none'") }
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string)
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function page(title: string, body: string, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style nonce="${nonce}">${STYLE}</style>
</head>
<body>${body}
</body>
</html>
`
}

/**
 * No script may run, nothing may load, the page may not be framed (clickjacking the Allow
 * button), and the form may post only here. form-action also names where the answer redirects
 * to, because browsers apply it to the redirect that follows the form submission.
 */
function securityHeaders(nonce: string, formAction: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    // The authorization URL carries state and the PKCE challenge: no Referer to another site.
    // Not no-referrer: under it Chromium sends `Origin: null` with the form's own POST.
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
  }
}

/** The redirect URI's origin is safe in a header: client-registry.ts accepts only http(s) URLs. */
function formTargets(returnTo: URL): string {
  return `'self' ${returnTo.origin}`
}

function newNonce(): string {
  return randomBytes(16).toString('base64')
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #f5f5f7; }
  .banner { margin: 0; padding: 8px 16px; background: #fff3cd; border-bottom: 1px solid #e6d48a; font-size: 14px; }
  main { max-width: 560px; margin: 32px auto; padding: 24px 32px; background: #fff; border-radius: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
  h1 { font-size: 22px; margin-top: 0; }
  h2 { font-size: 16px; margin-bottom: 4px; }
  .client { overflow-wrap: anywhere; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; font-size: 14px; }
  dt { color: #6e6e73; }
  dd { margin: 0; overflow-wrap: anywhere; }
  .note { font-size: 14px; color: #6e6e73; }
  form { display: flex; gap: 12px; margin-top: 24px; }
  button { font: inherit; padding: 8px 24px; border-radius: 8px; border: 1px solid #c7c7cc; background: #fff; cursor: pointer; }
  button.allow { background: #0071e3; border-color: #0071e3; color: #fff; }
`
