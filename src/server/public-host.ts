// The one host name the bridge prints and sets its page cookie for: `localhost`.
//
// Browsers keep cookies per host name, so a session made at http://localhost:P is not sent to
// http://127.0.0.1:P. Every URL the bridge prints (start, demo, open, connect, the login link, the
// approvals link) therefore names `localhost`, and a page opened through another loopback name is
// sent to the same path on `localhost`, where the cookie applies. `localhost` rather than
// 127.0.0.1: it reaches a bridge on either 127.0.0.1 or ::1 (--host), it is what `connect` has
// always written into clients' configs, and browsers treat it as a secure context.
//
// Programs (the CLI's own requests, MCP clients, OAuth metadata) keep using whichever loopback
// name they chose: only page navigations are redirected.

export const PUBLIC_HOST = 'localhost'

/** The base of every URL shown to a person, e.g. http://localhost:3000. */
export function publicOrigin(port: number): string {
  return `http://${PUBLIC_HOST}:${port}`
}

/**
 * Where a page request that named another loopback host (127.0.0.1 or [::1]) should go instead,
 * or undefined when it already names `localhost`. The guard has already checked that `host` is
 * one of the bridge's own loopback authorities, so its port is the bridge's.
 */
export function publicHostLocation(
  host: string | undefined,
  pathAndQuery: string,
): string | undefined {
  if (!host) return undefined
  const match = /^(?:127\.0\.0\.1|\[::1\]):(\d{1,5})$/.exec(host.toLowerCase())
  if (!match) return undefined
  // Only a path: a request line with an absolute URL or `//host` must not choose where we send the browser.
  const path = pathAndQuery.startsWith('/') && !pathAndQuery.startsWith('//') ? pathAndQuery : '/'
  return `${publicOrigin(Number(match[1]))}${path}`
}
