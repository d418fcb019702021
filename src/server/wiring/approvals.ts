// The approvals a tool call may wait for: the queue of held calls, the catalog of tools seen, the
// decision log, and what the gate stage is handed to hold, cancel and record calls.
import type { ToolRule } from '../../config/schema.js'
import { updateConfig } from '../../config/store.js'
import { openDecisionLog, type DecisionLog } from '../../approvals/decision-log.js'
import { anchorFile } from '../../approvals/decision-files.js'
import { InMemoryApprovalQueue } from '../../approvals/queue.js'
import { recordReadOnlyTools, writeWindow } from '../../approvals/rules/rule-writes.js'
import {
  ToolCatalog,
  definitionFingerprint,
  type ToolDefinition,
} from '../../approvals/tool-catalog.js'
import type { ApprovalsWiring } from '../app.js'
import { BoundedMap } from '../bounded-map.js'
import type { WiringContext } from './context.js'

export interface ApprovalsSetup {
  queue: InMemoryApprovalQueue
  catalog: ToolCatalog
  decisionLog: DecisionLog
  /** Binds read-only tools to these definitions; a failure to save is only reported. */
  rememberReadOnly(server: string, tools: ToolDefinition[]): Promise<void>
  sessionClients: BoundedMap<string, string>
  heldRequests: BoundedMap<string, string>
}

export function createApprovals({ options, live }: WiringContext): ApprovalsSetup {
  const { paths } = options
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
  return { queue, catalog, decisionLog, rememberReadOnly, sessionClients, heldRequests }
}

/** What the gate stage is handed: the queue and catalog, the held-call maps and the rule writes. */
export function approvalsWiring(
  { options, live }: WiringContext,
  setup: ApprovalsSetup,
): ApprovalsWiring {
  const { paths } = options
  const { queue, catalog, decisionLog, sessionClients, heldRequests } = setup
  const heldKey = (sessionId: unknown, requestId: unknown) =>
    `${String(sessionId)}\u0000${JSON.stringify(requestId)}`
  return {
    queue,
    catalog,
    pageUrl: () => `${live.pageOrigin}/approvals`,
    clientName: (sessionId) =>
      typeof sessionId === 'string' ? sessionClients.get(sessionId) : undefined,
    rememberHeld: (sessionId, requestId, pendingId) =>
      heldRequests.set(heldKey(sessionId, requestId), pendingId),
    cancelHeld: (sessionId, requestId) => {
      if (requestId === undefined) return
      const pendingId = heldRequests.get(heldKey(sessionId, requestId))
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
        entry.tools = { ...entry.tools, [tool]: alwaysAllowed(definition) }
      })
    },
  }
}

function alwaysAllowed(definition: ToolDefinition): ToolRule {
  const approvedDefinition = {
    fingerprint: definitionFingerprint(definition),
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    ...(definition.inputSchema !== undefined ? { inputSchema: definition.inputSchema } : {}),
  }
  return { policy: 'allow', approvedDefinition }
}
