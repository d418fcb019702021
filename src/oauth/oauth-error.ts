// What an authorization server's OAuth error says, read from the SDK's one OAuthError class.
// SDK 2 keeps whatever `error` string the server sent (1.x mapped an unknown one to server_error),
// so the codes OAuth defines are told apart from a server's own words here, where both matter.
import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/client'

const DEFINED_CODES = new Set<string>(Object.values(OAuthErrorCode))

export interface OAuthRefusal {
  code: string
  /** The server's error_description, when it sent one (SDK 2 repeats the code otherwise). */
  description?: string
}

/** The code and description of an OAuth error response, or undefined for any other failure. */
export function oauthRefusal(error: unknown): OAuthRefusal | undefined {
  if (!(error instanceof OAuthError)) return undefined
  const code = String(error.code)
  return error.message && error.message !== code ? { code, description: error.message } : { code }
}

/**
 * Whether the server answered with an error code OAuth defines, other than server_error
 * (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 8707, RFC 9449). A code of its own, or a body that is not
 * OAuth JSON at all, is read like the HTTP answer it came in.
 */
export function isDefinedRefusal(refusal: OAuthRefusal | undefined): refusal is OAuthRefusal {
  return (
    refusal !== undefined &&
    DEFINED_CODES.has(refusal.code) &&
    refusal.code !== OAuthErrorCode.ServerError
  )
}

/** `code: description`, the way error messages quote a refusal. */
export function describeRefusal(refusal: OAuthRefusal): string {
  return `${refusal.code}${refusal.description ? `: ${refusal.description}` : ''}`
}
