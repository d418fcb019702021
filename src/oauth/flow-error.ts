// Errors of a login in plain words: the step that failed, the URL, and the server's own answer
// (the last failed response is quoted where there is one: it is the server's own answer, whatever
// the SDK made of it), with the command that gets past it.
import { BridgeError, type BridgeErrorCode, quote } from '../errors.js'
import { summarise, type Discovery } from './discovery.js'
import type { FailedAnswer } from './http.js'
import type { FlowContext } from './login-terms.js'
import { oauthRefusal } from './oauth-error.js'
import { commandLine } from '../cli/commands-named.js'

export type Phase = 'discovery' | 'registration' | 'authorization' | 'token exchange'

const PHASE_CODES: Record<Phase, BridgeErrorCode> = {
  discovery: 'DISCOVERY_FAILED',
  registration: 'REGISTRATION_FAILED',
  authorization: 'AUTHORIZATION_FAILED',
  'token exchange': 'TOKEN_EXCHANGE_FAILED',
}

export function flowError(
  phase: Phase,
  error: unknown,
  discovery: Discovery,
  lastFailure?: FailedAnswer,
  context?: FlowContext,
): BridgeError {
  if (error instanceof BridgeError) return error
  const metadata = discovery.authorizationServerMetadata
  const endpoint =
    phase === 'registration'
      ? (metadata?.registration_endpoint ??
        new URL('/register', discovery.authorizationServerUrl).href)
      : phase === 'token exchange'
        ? (metadata?.token_endpoint ?? new URL('/token', discovery.authorizationServerUrl).href)
        : (metadata?.authorization_endpoint ?? discovery.authorizationServerUrl)
  const refusal = oauthRefusal(error)
  const said = lastFailure
    ? `HTTP ${lastFailure.status}: ${lastFailure.said}`
    : refusal
      ? `${quote(refusal.code)}${refusal.description ? ` (${quote(refusal.description)})` : ''}`
      : quote(summarise(error))
  const hint =
    phase === 'registration' && context?.redirectUri
      ? // Keycloak's "Trusted Hosts", hosted allowlists (Square, Intercom), scope enums (Supabase):
        // the way out is a client registered by hand, so say exactly how.
        `The server refused to register a client. Fix what it said, or register an app with the provider using the redirect URI ${context.redirectUri}, then run:\n` +
        `    ${commandLine.add(context.name, context.serverUrl.href, `--client-id <ID> [--client-secret <SECRET>] --callback-port ${new URL(context.redirectUri).port}`)}`
      : phase === 'registration'
        ? 'The server refused to register a client. If it needs a pre-registered app, pass --client-id (and --client-secret).'
        : refusal?.code === 'invalid_client'
          ? `The client is not (or no longer) known to the server: run \`${commandLine.login()}\` to register again, or check --client-id/--client-secret.`
          : 'Run the command again; if it repeats, the server operator can tell what the error means.'
  return new BridgeError(
    PHASE_CODES[phase],
    `The ${phase} step failed at ${endpoint}: the server said ${said}.`,
    { hint, cause: error },
  )
}
