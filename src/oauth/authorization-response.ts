// The answer the browser brings back to the loopback callback: who sent it is settled (state,
// then the issuer) before anything it says, an error included, is acted on.
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/client'
import { BridgeError, quote } from '../errors.js'

/**
 * `state` (RFC 6749 §10.12) and `iss` (RFC 9207 §2.4) are checked before anything else is read
 * (MCP 2026-07-28 authorization/index.mdx §Authorization Response Validation): `iss` is compared
 * with the issuer of the metadata this login used, as a plain string (no case, port, slash or
 * percent-encoding normalisation); it must be there when the metadata advertises
 * `authorization_response_iss_parameter_supported`, and is compared whenever it is there. On a
 * mismatch the response's `error` and `error_description` are neither acted on nor shown.
 */
export function checkResponseOrigin(
  params: URLSearchParams,
  expectedState: string,
  metadata: AuthorizationServerMetadata | undefined,
): void {
  if (params.get('state') !== expectedState) {
    throw new BridgeError(
      'AUTHORIZATION_FAILED',
      'The browser came back with a state that does not match this login; ignored it.',
      {
        hint: 'Run the command again, and finish only the newest login tab.',
      },
    )
  }
  const iss = params.get('iss')
  const issSupported =
    (metadata as { authorization_response_iss_parameter_supported?: boolean } | undefined)
      ?.authorization_response_iss_parameter_supported === true
  if (metadata && (iss !== null || issSupported) && iss !== metadata.issuer) {
    throw new BridgeError(
      'AUTHORIZATION_FAILED',
      `The authorization response names issuer ${quote(iss ?? '(none)')} but this login went to ${quote(metadata.issuer)}; refused (possible mix-up attack).`,
      {
        hint: 'Run the command again. If it repeats, the authorization server is misconfigured.',
      },
    )
  }
}

/** An `error` in an authorization response that came from the right server. */
export function checkResponseError(params: URLSearchParams): void {
  const error = params.get('error')
  if (error) {
    const description = params.get('error_description')
    const denied = error === 'access_denied'
    throw new BridgeError(
      'AUTHORIZATION_FAILED',
      `The authorization server refused: ${quote(error)}${description ? ` (${quote(description)})` : ''}.`,
      {
        hint: denied
          ? 'The login or consent was declined. Run the command again and approve the request.'
          : 'Run the command again; if it repeats, check the client registration and scopes (--scope).',
      },
    )
  }
}
