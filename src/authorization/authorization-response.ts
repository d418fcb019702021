// Sending the browser back to the client (RFC 6749 §4.1.2): the code or the error, the client's
// `state` unchanged, and `iss` naming this authorization server (RFC 9207 §2), errors included.
import type { ServerResponse } from 'node:http'

export interface ResponseTarget {
  redirectUri: string
  state: string | undefined
  issuer: string
}

export function redirectToClient(
  res: ServerResponse,
  target: ResponseTarget,
  params: Record<string, string>,
): void {
  const location = new URL(target.redirectUri)
  for (const [key, value] of Object.entries(params)) location.searchParams.set(key, value)
  if (target.state !== undefined) location.searchParams.set('state', target.state)
  location.searchParams.set('iss', target.issuer)
  // no-referrer: the bridge's page address has no business at the client's listener.
  res
    .writeHead(303, {
      location: location.href,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    })
    .end()
}

export function redirectError(
  res: ServerResponse,
  target: ResponseTarget,
  error: string,
  description: string,
): void {
  redirectToClient(res, target, { error, error_description: description })
}
