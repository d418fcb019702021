// Everything a bridge serves with, built once its port is open (listen.ts loads this module right
// after the listening line): the request pipeline, tokens, approvals, the decision log, the
// bridge's own authorization server and the pages. Its state is the LiveState listen.ts shares.
// Each part is built in wiring/; this file puts them together in the order they have to exist.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EncryptedFileTokenStore } from '../tokens/encrypted-file-store.js'
import type { TokenManager } from '../tokens/manager.js'
import type { AuthorizationServer } from '../authorization/authorization-server.js'
import { LoginCoordinator } from '../login/coordinator.js'
import { Bridge } from './bridge.js'
import type { LastError } from './pages/dashboard.js'
import type { PageSessions } from '../web/sessions.js'
import { prepareWhenRules } from '../approvals/rules/when-rules.js'
import type { BridgeConfig } from '../config/schema.js'
import type { LiveState, StartOptions } from './start-options.js'
import type { WiringContext } from './wiring/context.js'
import { createHeaderCache, createTokens, type HeaderCache } from './wiring/tokens.js'
import { createAuthorize } from './wiring/login.js'
import { createReauthorize } from './wiring/reauthorize.js'
import { approvalsWiring, createApprovals, type ApprovalsSetup } from './wiring/approvals.js'
import { bridgeAuthorization } from './wiring/authorization.js'
import { upstreamSenders } from './wiring/senders.js'
import { createPages } from './wiring/pages.js'

export interface WiringParts {
  options: StartOptions
  live: LiveState
  store: EncryptedFileTokenStore
  sessions: PageSessions
  instanceId: string
}

export interface WiredBridge {
  handle: (req: IncomingMessage, res: ServerResponse) => void
  /** Loads undici and the upstream senders ahead of the first request. */
  warm(): void
  /** config.json was read again: it becomes the live config. */
  reload(next: BridgeConfig): Promise<void>
  /** tokens.json changed under the bridge: cached tokens and clients are read again. */
  tokensChanged(): void
  /** Before the listener closes: held calls are answered, long-lived upstream sessions end. */
  endSessions(): Promise<void>
  close(): Promise<void>
}

export async function wireBridge(parts: WiringParts): Promise<WiredBridge> {
  const { options, live, store, sessions, instanceId } = parts
  const context: WiringContext = { options, live, store }
  await prepareWhenRules(live.config)
  const tokens = createTokens(context)
  const headers = createHeaderCache(store)
  // One login per server at a time, whether a request or the dashboard asked for it.
  const logins = new LoginCoordinator()
  const authorize = createAuthorize(context, logins, tokens)
  const lastErrors = new Map<string, LastError>()
  const approvals = createApprovals(context)
  const authorization = bridgeAuthorization(context, sessions)
  const reauthorize = createReauthorize(context, { logins, tokens, lastErrors })
  const bridge = new Bridge({
    config: () => live.config,
    tokens,
    staticHeaders: headers.get,
    authorize,
    allowedAuthorities: () => live.authorities,
    senders: upstreamSenders(options.paths),
    bridgeToken: () => live.bridgeToken,
    instanceId,
    clientAccess: authorization,
    log: options.log,
    ...(options.verbose
      ? { verbose: true, knownSecrets: () => (live.bridgeToken ? [live.bridgeToken] : []) }
      : {}),
    onOutcome: (name, error) => {
      if (error) lastErrors.set(name, { message: error.message, at: Date.now() })
      else lastErrors.delete(name)
    },
    approvals: approvalsWiring(context, approvals),
    pages: createPages(context, { sessions, authorization, approvals, lastErrors, reauthorize }),
  })
  return wired({ live, bridge, approvals, tokens, headers, authorization })
}

interface WiredParts {
  live: LiveState
  bridge: Bridge
  approvals: ApprovalsSetup
  tokens: TokenManager
  headers: HeaderCache
  authorization: AuthorizationServer
}

/** What listen.ts drives the bridge with once it is built: reloads, token changes and shutdown. */
function wired({
  live,
  bridge,
  approvals,
  tokens,
  headers,
  authorization,
}: WiredParts): WiredBridge {
  const { queue, catalog, decisionLog, rememberReadOnly } = approvals
  return {
    handle: bridge.handle,
    warm: () => bridge.warm(),
    reload: async (next) => {
      await prepareWhenRules(next)
      live.config = next
      bridge.retain(next.servers)
      // Read-only just turned on (or confirmed again): bind the tools the bridge already knows.
      for (const name of Object.keys(next.servers)) void rememberReadOnly(name, catalog.list(name))
    },
    tokensChanged: () => {
      authorization.invalidate()
      tokens.forget()
      headers.clear()
    },
    endSessions: async () => {
      // Held calls get an answer (denied: the bridge is stopping) instead of a dropped connection.
      queue.denyAll('shutdown')
      // Ending the legacy sessions ends their clients' GET streams, which would hold server.close().
      await bridge.endSessions()
    },
    close: async () => {
      await bridge.close()
      await decisionLog.close()
    },
  }
}
