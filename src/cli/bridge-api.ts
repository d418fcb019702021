// Calls to the running bridge's JSON endpoints (`clients`, `open`), with errors that say which
// bridge was tried, what it answered and what to do.
import { BridgeError } from '../errors.js'
import { bridgeOrigin, describeLocation, type BridgeLocation } from './bridge-client.js'
import { startHint } from './commands-named.js'

export async function callBridge(
  location: BridgeLocation,
  path: string,
  init: RequestInit,
): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`${bridgeOrigin(location)}${path}`, {
      ...init,
      signal: AbortSignal.timeout(10_000),
    })
  } catch {
    throw new BridgeError(
      'UPSTREAM_FAILED',
      `No bridge is answering on ${describeLocation(location)}.`,
      { hint: startHint() },
    )
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string }
  if (!response.ok) {
    throw new BridgeError(
      response.status === 404 ? 'BAD_USAGE' : 'UPSTREAM_FAILED',
      `The bridge on ${describeLocation(location)} refused ${path}: ${body.error ?? `HTTP ${response.status}`}`,
    )
  }
  return body
}

/** A fresh one-time dashboard login link from the running bridge (its port, its host name). */
export async function requestLoginLink(
  location: BridgeLocation,
  headers: Record<string, string>,
): Promise<string> {
  const { link } = (await callBridge(location, '/clients/api/login-link', {
    method: 'POST',
    headers,
  })) as { link?: unknown }
  if (typeof link !== 'string')
    throw new BridgeError(
      'UPSTREAM_FAILED',
      `The bridge on ${describeLocation(location)} answered the login-link request without a link.`,
      { hint: 'Restart it with `mcp-oauth-bridge start`; an older version may be running.' },
    )
  return link
}
