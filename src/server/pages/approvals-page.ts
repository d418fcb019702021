// The approvals page. (A first, plain version: the live page replaces it.)
import { html, page, PAGE_HEADERS } from './html.js'

export const APPROVALS_PAGE_HEADERS: Record<string, string> = {
  ...PAGE_HEADERS,
  'content-security-policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
}

export const APPROVALS_SCRIPT = { path: '/approvals/app.js', body: '' }

export function renderApprovalsPage(csrf: string): string {
  return page('Approvals', html`<meta name="csrf-token" content="${csrf}"><h1>Approvals</h1><p>Pending calls appear here.</p>`)
}
