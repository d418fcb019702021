// The bridge's own pages: its authorization server's paths, the approvals page and the dashboard.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { writeEndWindow, writeRuleEdit } from '../../approvals/rules/rule-writes.js'
import { prepareWhenRules } from '../../approvals/rules/when-rules.js'
import type { AuthorizationServer } from '../../authorization/authorization-server.js'
import { renderClientsSection } from '../../authorization/clients-section.js'
import type { PageSessions } from '../../web/sessions.js'
import { createApprovalsRoutes } from '../pages/approvals-api.js'
import {
  APPROVALS_PAGE_HEADERS,
  APPROVALS_SCRIPT,
  renderApprovalsPage,
} from '../pages/approvals-page.js'
import { createDashboard, type LastError } from '../pages/dashboard.js'
import type { ApprovalsSetup } from './approvals.js'
import type { WiringContext } from './context.js'

type PageRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>

export interface PagesParts {
  sessions: PageSessions
  authorization: AuthorizationServer
  approvals: ApprovalsSetup
  lastErrors: Map<string, LastError>
  reauthorize: (name: string) => Promise<string>
}

export function createPages(context: WiringContext, parts: PagesParts): PageRoute {
  const { live } = context
  const approvals = createApprovalsRoutes({
    queue: parts.approvals.queue,
    sessions: parts.sessions,
    bridgeToken: () => live.bridgeToken,
    renderPage: renderApprovalsPage,
    pageHeaders: APPROVALS_PAGE_HEADERS,
    script: APPROVALS_SCRIPT,
  })
  return routePages(parts.authorization, approvals, dashboard(context, parts))
}

function dashboard(context: WiringContext, parts: PagesParts): PageRoute {
  const { options, live, store } = context
  const { paths } = options
  const { authorization, approvals } = parts
  const { catalog } = approvals
  return createDashboard({
    config: () => live.config,
    store,
    sessions: parts.sessions,
    accessRequired: () => live.bridgeToken !== undefined,
    lastErrors: parts.lastErrors,
    reauthorize: parts.reauthorize,
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
          await approvals.rememberReadOnly(server, catalog.list(server))
        return written
      },
    },
    clientsSection: async (csrf) =>
      renderClientsSection(await authorization.connectedClients(), csrf),
    afterLogin: (req) => authorization.afterLogin(req),
  })
}

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
