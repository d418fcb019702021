// The device grant's two requests in the form RFC 8628 gives them (a form POST with the client's
// authentication, JSON back), and its errors in the server's own words.
import { BridgeError, quote } from '../../errors.js'
import { applyClientAuthentication } from '../client-auth.js'
import { summarise, type Discovery } from '../discovery.js'
import type { FetchLike } from '../http.js'

export async function postForm(
  fetchFn: FetchLike,
  url: string,
  client: Parameters<typeof applyClientAuthentication>[0],
  metadata: Discovery['authorizationServerMetadata'],
  fields: Record<string, string>,
): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  }
  const params = new URLSearchParams(fields)
  applyClientAuthentication(client, metadata, headers, params)
  const response = await fetchFn(url, { method: 'POST', headers, body: params.toString() })
  const text = await response.text()
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { error: 'invalid_response', error_description: text.slice(0, 200) }
  }
  return { ok: response.ok, body }
}

export function deviceError(
  step: string,
  endpoint: string,
  body: Record<string, unknown>,
): BridgeError {
  const error = String(body.error ?? 'unknown_error')
  const description = body.error_description
    ? ` (${quote(summarise(String(body.error_description)))})`
    : ''
  return new BridgeError(
    error === 'access_denied' ? 'AUTHORIZATION_FAILED' : 'TOKEN_EXCHANGE_FAILED',
    `The ${step} step failed at ${endpoint}: the server said ${quote(error)}${description}.`,
    {
      hint:
        error === 'access_denied'
          ? 'The login was declined. Run the command again and approve it.'
          : 'Run the command again; if it repeats, try the browser login instead of --device.',
    },
  )
}
