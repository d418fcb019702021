// What an authorization code login does when a server refuses part of a standard request: the
// redirect URI spelled `127.0.0.1` or `localhost` (providers compare them as strings), the RFC 8707
// `resource` parameter (Entra ID refuses it), or a stored client the server has forgotten. Each is
// tried once. A pure decision over what was refused, so every case is a unit test; the grant acts on it.
import type { Discovery } from './discovery.js'
import { refusesClient } from './forgotten-client.js'
import {
  canDropResource,
  otherLoopbackSpelling,
  type AuthorizationRequestVerdict,
} from './redirect-check.js'

/** Where in the login the refusal came. */
export type RefusalPoint =
  /** Dynamic registration failed; `said` is the server's answer. */
  | { at: 'registration'; said: string | undefined }
  /** The authorization request of a client whose redirect URIs we cannot see, loaded once first. */
  | { at: 'redirect check'; verdict: AuthorizationRequestVerdict }
  /** The authorization request of a stored client the server may have forgotten, loaded once first. */
  | {
      at: 'stored client check'
      verdict: AuthorizationRequestVerdict
      clientSource: 'pre-registered' | 'metadata-document' | 'dynamic' | undefined
    }
  /** The browser came back; `error` and `description` are the response's own. */
  | { at: 'authorization response'; error: string | null; description: string | null }

export interface RetrySituation {
  refusal: RefusalPoint
  discovery: Pick<Discovery, 'omitResource' | 'resourceMetadata'>
  redirectUri: string
  refusedRedirects: Array<{ redirectUri: string }>
}

export type RetryDecision =
  | { kind: 'go on' }
  | { kind: 'retry without resource' }
  | { kind: 'retry with redirect'; redirectUri: string }
  | { kind: 'register again' }
  | {
      kind: 'give up'
      why: 'redirect refused' | 'hand-registered client refused' | 'registration refused'
    }

export function decideRetry({
  refusal,
  discovery,
  redirectUri,
  refusedRedirects,
}: RetrySituation): RetryDecision {
  switch (refusal.at) {
    case 'registration': {
      // Some servers refuse an IP-literal redirect URI at registration (hermes-agent#29875).
      const other =
        refusal.said !== undefined && /redirect/i.test(refusal.said)
          ? otherLoopbackSpelling(redirectUri, refusedRedirects)
          : undefined
      return other
        ? { kind: 'retry with redirect', redirectUri: other }
        : { kind: 'give up', why: 'registration refused' }
    }
    case 'redirect check': {
      const verdict = refusal.verdict
      if (verdict.kind === 'accepted') return { kind: 'go on' }
      if (canDropResource(discovery as Discovery, verdict.error, verdict.description))
        return { kind: 'retry without resource' }
      const other = otherLoopbackSpelling(redirectUri, refusedRedirects)
      return other
        ? { kind: 'retry with redirect', redirectUri: other }
        : { kind: 'give up', why: 'redirect refused' }
    }
    case 'stored client check': {
      const verdict = refusal.verdict
      if (
        verdict.kind === 'refused' &&
        canDropResource(discovery as Discovery, verdict.error, verdict.description)
      )
        return { kind: 'retry without resource' }
      if (!refusesClient(verdict)) return { kind: 'go on' }
      // Only a client the bridge registered itself may be dropped; one the person gave is theirs.
      return refusal.clientSource === 'dynamic'
        ? { kind: 'register again' }
        : { kind: 'give up', why: 'hand-registered client refused' }
    }
    case 'authorization response':
      return canDropResource(discovery as Discovery, refusal.error, refusal.description)
        ? { kind: 'retry without resource' }
        : { kind: 'go on' }
  }
}
