// Runs the right login for a configured server (browser, device, or client credentials) with
// the probing and scope bookkeeping around it. Shared by `add`, `login` and the running bridge
// (which logs in again when a server asks for it mid-session).
import type { ServerEntry } from '../config/schema.js'
import { createGuardedFetch, type FetchLike } from '../oauth/http.js'
import { authorizeInteractively, type FlowIo } from '../oauth/flow.js'
import { authorizeClientCredentials } from '../oauth/client-credentials.js'
import { authorizeWithDeviceCode } from '../oauth/device.js'
import { probeServer, type AuthChallenge } from '../oauth/probe.js'
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

export type LoginResult = { kind: 'open' } | { kind: 'authorized'; scope: string | undefined; callbackPort?: number }

export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000

/** How long a login waits for the browser; MCP_OAUTH_BRIDGE_LOGIN_TIMEOUT_SECONDS overrides it. */
export function loginTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.MCP_OAUTH_BRIDGE_LOGIN_TIMEOUT_SECONDS)
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LOGIN_TIMEOUT_MS
}

export async function loginServer(options: LoginOptions): Promise<LoginResult> {
  const { name, entry, store, io } = options
  const serverUrl = new URL(entry.url)
  const fetchFn = createGuardedFetch(options.fetchFn ? { fetchFn: options.fetchFn } : {})
  let challenge = options.challenge
  if (!challenge) {
    io.progress(`Contacting ${serverUrl.href}…`)
    const headers = (await store.get(name))?.headers
    const probe = await probeServer(serverUrl, { ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}), ...(headers ? { headers } : {}) })
    if (probe.kind === 'open') return { kind: 'open' }
    challenge = probe.challenge
  }
  // A step-up asks for what is held plus what the server now names (MCP §Step-Up Authorization Flow).
  const held = (await store.get(name))?.requestedScope ?? entry.scope
  const scope = challenge.scope ? unionScopes(held, challenge.scope) : entry.scope

  if (entry.auth === 'client_credentials') {
    const outcome = await authorizeClientCredentials({
      name, serverUrl, store, challenge, fetchFn, progress: io.progress,
      ...(scope ? { scope } : {}),
    })
    return { kind: 'authorized', scope: outcome.scope }
  }
  const common = {
    name, serverUrl, store, challenge, fetchFn, io,
    timeoutMs: options.timeoutMs ?? loginTimeoutMs(),
    ...(scope ? { scope } : {}),
    ...(entry.clientMetadataUrl ? { clientMetadataUrl: entry.clientMetadataUrl } : {}),
  }
  const outcome = options.device
    ? await authorizeWithDeviceCode(common)
    : await authorizeInteractively({ ...common, callbackPort: entry.callbackPort ?? 0 })
  return { kind: 'authorized', scope: outcome.scope, ...(outcome.callbackPort ? { callbackPort: outcome.callbackPort } : {}) }
}

export function unionScopes(...lists: Array<string | undefined>): string | undefined {
  const all = new Set(lists.flatMap((list) => (list ?? '').split(' ')).filter(Boolean))
  return all.size ? [...all].join(' ') : undefined
}
