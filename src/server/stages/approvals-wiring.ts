// What the request path needs from approvals: the queue and catalog, and the per-client memory
// (which session named which client, which held call answers which request).
import { ApprovedRounds } from '../../approvals/approved-rounds.js'
import type { DecisionRecord } from '../../approvals/gate.js'
import type { ApprovalQueue } from '../../approvals/queue.js'
import type { ToolCatalog, ToolDefinition } from '../../approvals/tool-catalog.js'
import type { JsonRpcId } from '../../proxy/jsonrpc.js'

export interface ApprovalsWiring {
  queue: ApprovalQueue
  catalog: ToolCatalog
  pageUrl: () => string
  clientName: (sessionId: string | string[] | undefined) => string | undefined
  rememberClient: (sessionId: string | string[] | undefined, clientName: unknown) => void
  rememberHeld: (
    sessionId: string | string[] | undefined,
    requestId: JsonRpcId,
    pendingId: string,
  ) => void
  cancelHeld: (sessionId: string | string[] | undefined, requestId: JsonRpcId | undefined) => void
  onDecision: (record: DecisionRecord) => void
  onAlwaysAllow: (server: string, tool: string, definition: ToolDefinition) => Promise<void>
  /** "Allow for 1 hour": a time window for the tool, bound to the definition the person saw. */
  onAllowFor?: (
    server: string,
    tool: string,
    definition: ToolDefinition,
    seconds: number,
  ) => Promise<void>
}

const approvedRounds = new WeakMap<ApprovalsWiring, ApprovedRounds>()

/** The continuations of approved calls, one memory per approvals wiring (that is, per bridge). */
export function approvedRoundsOf(approvals: ApprovalsWiring): ApprovedRounds {
  let rounds = approvedRounds.get(approvals)
  if (!rounds) {
    rounds = new ApprovedRounds()
    approvedRounds.set(approvals, rounds)
  }
  return rounds
}
