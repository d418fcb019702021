// The one error type of the product: a stable `code` for programs, a `hint` for people.
// cli/output.ts is the only place that turns one into text.

export type BridgeErrorCode =
  | 'BAD_USAGE'
  | 'NOT_INITIALIZED'
  | 'SERVER_UNKNOWN'
  | 'SERVER_EXISTS'
  | 'CONFIG_INVALID'
  | 'VAULT_UNREADABLE'
  | 'UNREACHABLE'
  | 'DISCOVERY_FAILED'
  | 'UNSAFE_URL'
  | 'PKCE_UNSUPPORTED'
  | 'RESOURCE_MISMATCH'
  | 'REGISTRATION_FAILED'
  | 'REGISTRATION_REQUIRED'
  | 'AUTHORIZATION_FAILED'
  | 'CALLBACK_TIMEOUT'
  | 'TOKEN_EXCHANGE_FAILED'
  | 'REFRESH_FAILED'
  | 'LOGIN_REQUIRED'
  | 'INSUFFICIENT_SCOPE'
  | 'UPSTREAM_FAILED'
  | 'PORT_IN_USE'
  | 'STATE_LOCKED'
  | 'NOT_PENDING'
  | 'DECISION_LOG_BROKEN'

export class BridgeError extends Error {
  override readonly name = 'BridgeError'
  readonly code: BridgeErrorCode
  /** What the user can do next, in one sentence. */
  readonly hint: string | undefined

  constructor(
    code: BridgeErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause })
    this.code = code
    this.hint = opts.hint
  }
}

/** JSON-quotes a value that came from a user or a server, so it cannot pass for our own words. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value)
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)
}

/** One line for a person from any thrown value (zod issue lists become their first issue). */
export function summarise(error: unknown): string {
  if (error instanceof SyntaxError) return 'it is not JSON (an HTML page or text came back)'
  if (error instanceof Error) {
    // zod errors carry a JSON list of issues; the first one is enough for a person.
    try {
      const issues = JSON.parse(error.message) as Array<{ path?: unknown[]; message?: string }>
      if (Array.isArray(issues) && issues[0]) {
        return `${issues[0].path?.join('.') || 'document'}: ${issues[0].message ?? 'invalid'}`
      }
    } catch {
      // not a zod error
    }
    return error.message
  }
  return String(error)
}
