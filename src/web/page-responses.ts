// Sending a whole page with the page headers, and the two answers every page route shares: not
// found, and "log in first". Used by the bridge's own pages and by the authorization server's.
import type { ServerResponse } from 'node:http'
import { html, page, PAGE_HEADERS } from './html.js'
import { freshLoginLinkHint } from '../cli/commands-named.js'

export function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(body) }).end(body)
}

export function sendNotFound(res: ServerResponse): void {
  send(
    res,
    404,
    page(
      'Not found',
      html`<h1>Not found</h1><p>MCP servers are at <code>/mcp/&lt;name&gt;</code>; the dashboard is at <a href="/">/</a>.</p>`,
    ),
  )
}

export function sendLoginNeeded(res: ServerResponse): void {
  send(
    res,
    401,
    page(
      'Log in',
      html`<h1>Open the login link</h1><p>For your safety the dashboard needs a one-time login link, such as the one the bridge printed when it started. ${freshLoginLinkHint()}</p>`,
    ),
  )
}
