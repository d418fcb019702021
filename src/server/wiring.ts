// Everything a bridge serves with, built once its port is open (listen.ts loads this module right
// after the listening line): the request pipeline, tokens, approvals, the decision log, the
// bridge's own authorization server and the pages. Its state is the LiveState listen.ts shares.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { UpstreamEra } from '../config/schema.js'
import { updateConfig } from '../config/store.js'
import { BridgeError } from '../errors.js'
import type { FlowIo } from '../oauth/login-terms.js'
import type { AuthChallenge } from '../oauth/probe.js'
import { TokenManager, type TokenRefresh } from '../tokens/manager.js'
import type { EncryptedFileTokenStore } from '../tokens/encrypted-file-store.js'
import { LoginCoordinator } from '../login/coordinator.js'
import { Bridge } from './bridge.js'
import type { UpstreamSender } from '../proxy/upstream.js'
import { createDashboard, type LastError } from './pages/dashboard.js'
import type { PageSessions } from '../web/sessions.js'
import { createApprovalsRoutes } from './pages/approvals-api.js'
import {
  APPROVALS_PAGE_HEADERS,
  APPROVALS_SCRIPT,
  renderApprovalsPage,
} from './pages/approvals-page.js'
import { InMemoryApprovalQueue } from '../approvals/queue.js'
import {
  ToolCatalog,
  definitionFingerprint,
  type ToolDefinition,
} from '../approvals/tool-catalog.js'
import {
  recordReadOnlyTools,
  writeEndWindow,
  writeRuleEdit,
  writeWindow,
} from '../approvals/rules/rule-writes.js'
import { openDecisionLog } from '../approvals/decision-log.js'
import { anchorFile } from '../approvals/decision-files.js'
import { BoundedMap } from './bounded-map.js'
import { loginHint } from '../cli/commands-named.js'
import {
  createAuthorizationServer,
  type AuthorizationServer,
} from '../authorization/authorization-server.js'
import { renderClientsSection } from '../authorization/clients-section.js'
import { prepareWhenRules } from '../approvals/rules/when-rules.js'
import type { BridgeConfig } from '../config/schema.js'
import type { LiveState, StartOptions } from './start-options.js'

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
  const { paths } = options
  await prepareWhenRules(live.config)
  const tokens = new TokenManager({
    store,
    refresh: tokenRefreshOnFirstUse(),
    lookupServer: async (name) => {
      const entry = live.config.servers[name]
      if (!entry)
        throw new BridgeError('SERVER_UNKNOWN', `No server named ${JSON.stringify(name)}.`)
      return entry
    },
  })
  // Static headers are secrets, so they live in the encrypted store; decrypt once, not per request.
  const headerCache = new Map<string, Record<string, string> | undefined>()
  // One login per server at a time, whether a request or the dashboard asked for it.
  const logins = new LoginCoordinator()

  const authorize = (name: string, challenge: AuthChallenge): Promise<void> =>
    logins.run(name, async () => {
      const entry = live.config.servers[name]
      if (!entry)
        throw new BridgeError('SERVER_UNKNOWN', `No server named ${JSON.stringify(name)}.`)
      options.flowIo.progress(
        `${name}: the server asks for authorization${challenge.scope ? ` (scope "${challenge.scope}")` : ''}; starting a login…`,
      )
      try {
        const { loginServer } = await import('../login/login-server.js')
        const result = await loginServer({ name, entry, store, io: options.flowIo, challenge })
        if (
          result.kind === 'authorized' &&
          result.callbackPort &&
          entry.callbackPort === undefined
        ) {
          const callbackPort = result.callbackPort
          live.config = await updateConfig(paths, (current) => {
            const saved = current.servers[name]
            if (saved && saved.callbackPort === undefined) saved.callbackPort = callbackPort
          })
        }
      } catch (error) {
        // The client sees this as the answer to its request: say what was asked and what to do.
        const detail =
          error instanceof BridgeError
            ? `${error.message}${error.hint ? ` ${error.hint}` : ''}`
            : (error as Error).message
        throw new BridgeError(
          'LOGIN_REQUIRED',
          `${JSON.stringify(name)} asked for a new login${challenge.scope ? ` with scope "${challenge.scope}"` : ''}, and it failed: ${detail}`,
          {
            hint: loginHint(name, challenge.scope),
            cause: error,
          },
        )
      }
      tokens.forget(name)
      if (entry.auth === 'none') {
        live.config = await updateConfig(paths, (current) => {
          const saved = current.servers[name]
          if (saved) saved.auth = 'oauth'
        })
      }
      options.flowIo.progress(`${name}: logged in.`)
    })

  const lastErrors = new Map<string, LastError>()
  const queue = new InMemoryApprovalQueue()
  // Read-only tools are bound to the definitions first seen after the person turned it on.
  const rememberReadOnly = (server: string, tools: ToolDefinition[]) =>
    recordReadOnlyTools(paths, live.config, server, tools)
      .then((saved) => {
        if (saved) live.config = saved
      })
      .catch((error: Error) =>
        options.flowIo.progress(
          `${server}: could not record the read-only tools in ${paths.config}: ${error.message}`,
        ),
      )
  const catalog = new ToolCatalog({
    onRecord: (server, tools) => void rememberReadOnly(server, tools),
  })
  const sessionClients = new BoundedMap<string, string>(1000)
  // Which held call answers which client request (session + JSON-RPC id), for notifications/cancelled.
  const heldRequests = new BoundedMap<string, string>(10_000)
  const decisionLog = openDecisionLog(paths.logs, {
    anchor: anchorFile(paths.home, paths.key),
    notice: (text) => options.flowIo.progress(text),
  })
  const approvalsUrl = () => `${live.pageOrigin}/approvals`
  // Clients that log in to the bridge itself get their own tokens; the static bridge token stays the simple path.
  const authorization = createAuthorizationServer({
    store,
    servers: () => Object.keys(live.config.servers),
    authorities: () => live.authorities,
    pageOrigin: () => live.pageOrigin,
    sessions,
    accessRequired: () => live.bridgeToken !== undefined,
    bridgeToken: () => live.bridgeToken,
  })

  /** A dashboard login: the browser that pressed the button is sent to the authorization URL. */
  const reauthorize = (name: string): Promise<string> =>
    new Promise<string>((resolveUrl, reject) => {
      const entry = live.config.servers[name]
      if (!entry)
        return reject(new BridgeError('SERVER_UNKNOWN', `No server named ${JSON.stringify(name)}.`))
      const io: FlowIo = {
        progress: (line) => options.flowIo.progress(`${name}: ${line}`),
        openBrowser: async (url) => resolveUrl(url),
        browser: 'open',
        // Started from the dashboard: the provider's return page links back to it.
        returnTo: `${live.pageOrigin}/`,
      }
      // This browser must be sent to the authorization URL, which a login under way has shown elsewhere.
      if (logins.isRunning(name))
        return reject(
          new BridgeError(
            'LOGIN_REQUIRED',
            `A login for ${JSON.stringify(name)} is already under way; finish it in the window it opened.`,
          ),
        )
      logins
        .logIn({ name, entry, store, io })
        .then((result) => {
          tokens.forget(name)
          lastErrors.delete(name)
          options.flowIo.progress(
            result.kind === 'open'
              ? `${name}: answers without authorization.`
              : `${name}: logged in again.`,
          )
          if (result.kind === 'open')
            reject(
              new BridgeError(
                'BAD_USAGE',
                `${name} answers without authorization: nothing to log in to.`,
              ),
            )
        })
        .catch((error: Error) => {
          lastErrors.set(name, { message: error.message, at: Date.now() })
          reject(error)
        })
    })

  // Streamable HTTP for most servers; one HTTP+SSE (2024-11-05) translator per server configured with transport "sse".
  // The older HTTP+SSE transport's module (and undici) load when the bridge is warmed.
  // Clients of the other MCP era than their upstream's are translated (src/proxy/era/); the era
  // found on first use is saved in the server's entry.
  const saveEra = (name: string, url: string, era: UpstreamEra) =>
    updateConfig(paths, (current) => {
      const saved = current.servers[name]
      if (saved?.url === url) saved.era = era
    }).then(() => undefined)
  const senders = (send: UpstreamSender) =>
    Promise.all([
      import('../proxy/upstream-senders.js'),
      import('../proxy/era/era-senders.js'),
    ]).then(([legacy, era]) => {
      // A reload reaches the translators and the HTTP+SSE senders (retain), whose upstream
      // streams outlive a request.
      return era.createEraSenders(legacy.createUpstreamSenders({ send }), { saveEra, send })
    })
  const bridge = new Bridge({
    config: () => live.config,
    tokens,
    // From memory after the first request to a server: no promise on the request path.
    staticHeaders: (name) => {
      if (headerCache.has(name)) return headerCache.get(name)
      return store.get(name).then((secrets) => {
        headerCache.set(name, secrets?.headers)
        return secrets?.headers
      })
    },
    authorize,
    allowedAuthorities: () => live.authorities,
    senders,
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
    approvals: {
      queue,
      catalog,
      pageUrl: approvalsUrl,
      clientName: (sessionId) =>
        typeof sessionId === 'string' ? sessionClients.get(sessionId) : undefined,
      rememberHeld: (sessionId, requestId, pendingId) =>
        heldRequests.set(`${String(sessionId)}\u0000${JSON.stringify(requestId)}`, pendingId),
      cancelHeld: (sessionId, requestId) => {
        if (requestId === undefined) return
        const key = `${String(sessionId)}\u0000${JSON.stringify(requestId)}`
        const pendingId = heldRequests.get(key)
        if (pendingId !== undefined) queue.decide(pendingId, { kind: 'deny', source: 'cancelled' })
      },
      rememberClient: (sessionId, clientName) => {
        if (typeof sessionId === 'string' && typeof clientName === 'string')
          sessionClients.set(sessionId, clientName.slice(0, 200))
      },
      onDecision: (record) => {
        decisionLog.write(record)
        options.onDecision?.(record)
      },
      onAllowFor: async (server, tool, definition, seconds) => {
        live.config = await writeWindow(paths, server, tool, definition, seconds)
      },
      onAlwaysAllow: async (server, tool, definition) => {
        live.config = await updateConfig(paths, (current) => {
          const entry = current.servers[server]
          if (!entry) return
          const approvedDefinition = {
            fingerprint: definitionFingerprint(definition),
            ...(definition.description !== undefined
              ? { description: definition.description }
              : {}),
            ...(definition.inputSchema !== undefined
              ? { inputSchema: definition.inputSchema }
              : {}),
          }
          entry.tools = { ...entry.tools, [tool]: { policy: 'allow', approvedDefinition } }
        })
      },
    },
    pages: routePages(
      authorization,
      createApprovalsRoutes({
        queue,
        sessions,
        bridgeToken: () => live.bridgeToken,
        renderPage: renderApprovalsPage,
        pageHeaders: APPROVALS_PAGE_HEADERS,
        script: APPROVALS_SCRIPT,
      }),
      createDashboard({
        config: () => live.config,
        store,
        sessions,
        accessRequired: () => live.bridgeToken !== undefined,
        lastErrors,
        reauthorize,
        endWindow: async (server, tool) => {
          const ended = await writeEndWindow(paths, server, tool)
          live.config = ended.config
          return ended.wasOpen
        },
        rules: {
          tools: (server) => catalog.list(server).map((tool) => tool.name),
          // Applied before the page answers, so the rule decides the next call (the file watcher reloads it too).
          write: async (server, edit) => {
            const written = await writeRuleEdit(paths, server, edit)
            if (!written.ok) return written
            await prepareWhenRules(written.config)
            live.config = written.config
            if (edit.kind === 'read-only' && edit.on)
              await rememberReadOnly(server, catalog.list(server))
            return written
          },
        },
        clientsSection: async (csrf) =>
          renderClientsSection(await authorization.connectedClients(), csrf),
        afterLogin: (req) => authorization.afterLogin(req),
      }),
    ),
  })

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
      headerCache.clear()
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

type PageRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>

/** The authorization server's paths first, then /approvals… to the approvals routes, everything else to the dashboard. */
function routePages(
  authorization: AuthorizationServer,
  approvals: PageRoute,
  dashboard: PageRoute,
): PageRoute {
  return async (req, res, url) => {
    if (await authorization.route(req, res, url)) return
    return url.pathname === '/approvals' || url.pathname.startsWith('/approvals/')
      ? approvals(req, res, url)
      : dashboard(req, res, url)
  }
}

/**
 * The token refresh, loaded when a token first needs renewing: it brings the MCP SDK's OAuth
 * client and its schemas (some 100 modules, a third of the idle heap), which a bridge serving
 * fresh tokens never touches.
 */
function tokenRefreshOnFirstUse(): TokenRefresh {
  let loading: Promise<TokenRefresh> | undefined
  return (request) => {
    loading ??= import('../oauth/refresh.js').then(({ createTokenRefresh }) => createTokenRefresh())
    return loading.then((refresh) => refresh(request))
  }
}
