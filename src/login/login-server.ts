// The one login orchestrator, for `add`, `login`, the running bridge and its dashboard (through
// the coordinator): probe the server, discover its authorization server, choose the scope, run
// the grant the server is configured for (each grant chooses its client first), save what the
// next login and refresh need. The grants themselves are src/oauth/grants/*.
import type { ServerEntry } from '../config/schema.js'
import { discoverAuthorization, type Discovery } from '../oauth/discovery.js'
import { authorizeWithCode } from '../oauth/grants/authorization-code.js'
import { authorizeClientCredentials } from '../oauth/grants/client-credentials.js'
import { authorizeWithDeviceCode } from '../oauth/grants/device.js'
import { createGuardedFetch, recordFailures, type FetchLike } from '../oauth/http.js'
import type { AuthorizationOutcome, DiscoveredTarget, FlowIo } from '../oauth/login-terms.js'
import { probeServer, type AuthChallenge } from '../oauth/probe.js'
import { parseSafeUrl } from '../oauth/safe-url.js'
import { chooseScope, unionScopes } from '../oauth/scope.js'
import type { TokenStore } from '../tokens/store.js'

export interface LoginOptions {
  name: string
  entry: ServerEntry
  store: TokenStore
  io: FlowIo
  /** The challenge that asked for this login; probed for when absent. */
  challenge?: AuthChallenge
  device?: boolean
  timeoutMs?: number
  fetchFn?: FetchLike
}

export type LoginResult =
  { kind: 'open' } | { kind: 'authorized'; scope: string | undefined; callbackPort?: number }

export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000

/** How long a login waits for the browser; MCP_OAUTH_BRIDGE_LOGIN_TIMEOUT_SECONDS overrides it. */
export function loginTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.MCP_OAUTH_BRIDGE_LOGIN_TIMEOUT_SECONDS)
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LOGIN_TIMEOUT_MS
}

export async function loginServer(options: LoginOptions): Promise<LoginResult> {
  const { name, entry, store } = options
  const serverUrl = new URL(entry.url)
  const challenge = options.challenge ?? (await probe(options, serverUrl))
  if (!challenge) return { kind: 'open' }
  const fetchFn = createGuardedFetch(options.fetchFn ? { fetchFn: options.fetchFn } : {})
  const failures = recordFailures(fetchFn)
  // A step-up asks for what is held plus what the server now names (MCP §Step-Up Authorization Flow).
  const held = (await store.get(name))?.requestedScope ?? entry.scope
  const wanted = challenge.scope ? unionScopes(held, challenge.scope) : entry.scope
  const machine = entry.auth === 'client_credentials'
  const browserGrant = !machine && !options.device
  // The authorization server fetches it, on our word: the same https rule as every metadata URL.
  if (browserGrant && entry.clientMetadataUrl)
    parseSafeUrl(entry.clientMetadataUrl, 'client ID metadata document URL (clientMetadataUrl)')

  const discovery = await discover(options, serverUrl, challenge, failures.fetchFn)
  // Machine-to-machine grants issue no refresh token, so offline_access means nothing to them.
  const scope = chooseScope(wanted, challenge, discovery, machine ? { offlineAccess: false } : {})
  const target: DiscoveredTarget = {
    name,
    serverUrl,
    store,
    challenge,
    fetchFn,
    failures,
    discovery,
    ...(scope ? { scope } : {}),
  }
  const outcome = await runGrant(options, target)
  // Machine-to-machine renewals ask for the configured scope only, as they always have.
  const granted = outcome.scope
  if (!machine && granted)
    await store.update(name, (current) => ({ ...current, requestedScope: granted }))
  return {
    kind: 'authorized',
    scope: outcome.scope,
    ...(outcome.callbackPort ? { callbackPort: outcome.callbackPort } : {}),
  }
}

/** The challenge of a server that wants authorization; none for one that answers without. */
async function probe(options: LoginOptions, serverUrl: URL): Promise<AuthChallenge | undefined> {
  options.io.progress(`Contacting ${serverUrl.href}…`)
  const headers = (await options.store.get(options.name))?.headers
  const probed = await probeServer(serverUrl, {
    ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
    ...(headers ? { headers } : {}),
  })
  return probed.kind === 'open' ? undefined : probed.challenge
}

async function discover(
  options: LoginOptions,
  serverUrl: URL,
  challenge: AuthChallenge,
  fetchFn: FetchLike,
): Promise<Discovery> {
  const { store, name } = options
  options.io.progress(`Discovering the authorization server of ${serverUrl.href}…`)
  const discovery = await discoverAuthorization(serverUrl, challenge, fetchFn)
  const previous = (await store.get(name))?.discovery as Discovery | undefined
  // A refused `resource` stays refused for as long as the authorization server is the same one.
  if (
    previous?.omitResource &&
    previous.authorizationServerUrl === discovery.authorizationServerUrl
  )
    discovery.omitResource = true
  await store.update(name, (secrets) => ({ ...secrets, discovery }))
  return discovery
}

function runGrant(options: LoginOptions, target: DiscoveredTarget): Promise<AuthorizationOutcome> {
  const { entry, io } = options
  if (entry.auth === 'client_credentials')
    return authorizeClientCredentials({ ...target, progress: io.progress })
  const common = {
    ...target,
    io,
    timeoutMs: options.timeoutMs ?? loginTimeoutMs(),
    ...(entry.clientMetadataUrl ? { clientMetadataUrl: entry.clientMetadataUrl } : {}),
  }
  return options.device
    ? authorizeWithDeviceCode(common)
    : authorizeWithCode({ ...common, callbackPort: entry.callbackPort ?? 0 })
}
