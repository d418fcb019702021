// The words every grant shares: how a login talks to the person, what it logs in to, and what it
// brings back. The grants (grants/*.ts) and the login orchestrator (src/login/) take them from here.
import type { TokenStore } from '../tokens/store.js'
import type { OpenBrowser } from './browser.js'
import type { Discovery } from './discovery.js'
import type { FetchLike, recordFailures } from './http.js'
import type { AuthChallenge } from './probe.js'

export interface FlowIo {
  progress(line: string): void
  openBrowser: OpenBrowser
  /** `print` shows the URL instead of opening it, and also accepts the redirect URL pasted back. */
  browser: 'open' | 'print'
  pastedRedirects?: AsyncIterable<string>
  /** A page the provider's return page links back to (the dashboard, for a login started there). */
  returnTo?: string
}

/** What every kind of login needs to know about the server it logs in to. */
export interface LoginTarget {
  name: string
  serverUrl: URL
  store: TokenStore
  challenge: AuthChallenge
  /** The user's --scope, which overrides the specification's selection. */
  scope?: string
  fetchFn: FetchLike
}

/** A target whose authorization server is known: what every grant starts from. */
export interface DiscoveredTarget extends LoginTarget {
  discovery: Discovery
  /** The scope this login asks for (chosen by the orchestrator). */
  scope?: string
  /**
   * The fetch of this login's protocol steps, recording its failed answers (discovery's too) so
   * errors quote the server's own words; checks that expect refusals use the plain `fetchFn`.
   */
  failures: ReturnType<typeof recordFailures>
}

/** The authorization code grant also needs the person, a callback port and a time limit. */
export interface AuthorizationCodeLogin extends DiscoveredTarget {
  clientMetadataUrl?: string
  callbackPort: number
  io: FlowIo
  timeoutMs: number
}

export interface AuthorizationOutcome {
  discovery: Discovery
  scope: string | undefined
  /** The loopback port the redirect came back to (browser logins only): kept for the next login. */
  callbackPort?: number
}

/** What an error message needs to say which command to run. */
export interface FlowContext {
  name: string
  serverUrl: URL
  redirectUri?: string
}
