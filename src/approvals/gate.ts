// The policy gate: decides one tool call (its tool, arguments and request id, as plain values),
// holding an `ask` call until a person decides, and says why a denied one was not run. It knows
// nothing of JSON-RPC: the bridge's gate stage (src/server/stages/gate-messages.ts) finds the
// calls in a request and turns these decisions into answers and forwarded messages.
import type { ServerEntry } from '../config/schema.js'
import { requestStateOf, type ApprovedRounds } from './approved-rounds.js'
import { isSameArguments } from './argument-diff.js'
import { argumentsHash } from './argument-preview.js'
import { decide, type PolicyVerdict } from './policy.js'
import { formatDuration } from '../tokens/status.js'
import type { ApprovalQueue, Decision } from './queue.js'
import type { ToolCatalog, ToolDefinition } from './tool-catalog.js'
import { command } from '../cli/commands-named.js'

export interface DecisionRecord {
  server: string
  tool: string
  decision: 'allow' | 'deny'
  /** `round`: the retry of a call a person approved, carrying the requestState its upstream gave. */
  how: 'policy' | 'round' | Decision['source']
  /** The MCP client that asked, when known. */
  client?: string
  /** The rule that governed the call (approvals/policy.ts): `when #1 (args.amount <= 20 …)`, `window until 14:05`, `tool rule`, `read-only`, `server rule`, `default`. */
  rule?: string
  /** The call's arguments; the decision log keeps only their hash and a redacted preview. */
  arguments?: unknown
  /** Set when a person edited the arguments before approving: SHA-256 (hex) of the canonical JSON of the client's arguments… */
  argumentsHash?: string
  /** …and of the edited arguments the call ran with. */
  editedArgumentsHash?: string
}

/** A request id as the client sent it; the gate only hands it back. */
export type CallId = string | number | null

/** One tools/call as the gate sees it. */
export interface ToolCall {
  id: CallId
  tool: string
  arguments: unknown
  /** The call's params, for the requestState of a 2026-07-28 round. */
  params: unknown
}

export type CallDecision =
  /** Goes upstream: `approved` when a person approved it (now or in an earlier round), with `edited` arguments if they changed them. */
  | { kind: 'forward'; approved: boolean; edited?: Record<string, unknown> }
  /** Answered by the bridge: the tool error's text the model reads. */
  | { kind: 'deny'; text: string }

export interface GateContext {
  server: string
  entry: ServerEntry
  catalog: ToolCatalog
  queue: ApprovalQueue
  timeoutMs: number
  clientName: string | undefined
  /** A 2026-07-28 request: the bridge's own results carry `resultType`. */
  modern?: boolean
  /** Continuations of approved calls (2026-07-28 `input_required` rounds); absent for legacy requests. */
  rounds?: ApprovedRounds
  approvalsUrl: string
  signal: AbortSignal
  /** Remembers which held call answers which client request, so `notifications/cancelled` can withdraw it. */
  onHeld?: (requestId: CallId, pendingId: string) => void
  onDecision: (record: DecisionRecord) => void
  /** "Always allow" from the page: write the policy, bound to the definition the person saw. */
  onAlwaysAllow: (tool: string, definition: ToolDefinition) => Promise<void>
  /** "Allow for 1 hour" from the page or the terminal: open a time window, bound to the definition the person saw. */
  onAllowFor?: (tool: string, definition: ToolDefinition, seconds: number) => Promise<void>
}

/** What the policy says of a call, before anyone is asked. */
export function verdictFor(
  call: { tool: string; arguments: unknown },
  entry: ServerEntry,
  catalog: ToolCatalog,
  server: string,
  client?: string,
): PolicyVerdict {
  return decide(
    entry,
    { tool: call.tool, arguments: call.arguments, server, client: client ?? '' },
    catalog.get(server, call.tool),
  )
}

export async function decideCall(call: ToolCall, ctx: GateContext): Promise<CallDecision> {
  const { tool, id } = call
  const args = call.arguments
  const verdict = verdictFor(call, ctx.entry, ctx.catalog, ctx.server, ctx.clientName)
  // Every record names the rule that governed the call (also when a person then decided it), the
  // client that asked, and the arguments (the log keeps only their hash and a redacted preview).
  const record = (fields: DecisionRecord) =>
    ctx.onDecision({
      rule: verdict.rule,
      ...(ctx.clientName ? { client: ctx.clientName } : {}),
      arguments: args,
      ...fields,
    })
  if (verdict.policy === 'allow') {
    record({ server: ctx.server, tool, decision: 'allow', how: 'policy' })
    return { kind: 'forward', approved: false }
  }
  if (verdict.policy === 'deny') {
    record({ server: ctx.server, tool, decision: 'deny', how: 'policy' })
    return {
      kind: 'deny',
      text: `The tool ${JSON.stringify(tool)} on ${JSON.stringify(ctx.server)} is denied by policy (${verdict.rule}) and was not run. A person can see why with: ${command(`policy ${ctx.server} explain ${tool} '<arguments>'`)}`,
    }
  }
  const requestState = ctx.rounds ? requestStateOf(call.params) : undefined
  const continued =
    requestState !== undefined ? ctx.rounds?.take(ctx.server, tool, args, requestState) : undefined
  if (continued) {
    // A person's edit holds for every round of the call: the client retries with what it sent.
    const edited = continued.edited
    record({
      server: ctx.server,
      tool,
      decision: 'allow',
      how: 'round',
      ...(edited
        ? { argumentsHash: argumentsHash(args), editedArgumentsHash: argumentsHash(edited) }
        : {}),
    })
    return { kind: 'forward', approved: true, ...(edited ? { edited } : {}) }
  }
  const definition = ctx.catalog.get(ctx.server, tool)
  const decision = await ctx.queue.hold(
    {
      server: ctx.server,
      tool,
      arguments: args,
      canAlwaysAllow: definition !== undefined,
      ...(definition?.description !== undefined ? { description: definition.description } : {}),
      ...(definition?.inputSchema !== undefined ? { inputSchema: definition.inputSchema } : {}),
      ...(ctx.clientName ? { client: ctx.clientName } : {}),
      ...(verdict.changedSince ? { changedSinceApproval: verdict.changedSince } : {}),
    },
    {
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      onHeld: (pendingId) => ctx.onHeld?.(id, pendingId),
    },
  )
  // An edit that changes nothing the tool would see (spacing, key order) is a plain approval.
  const edited =
    decision.kind === 'approve' &&
    decision.arguments !== undefined &&
    !isSameArguments(args, decision.arguments)
      ? decision.arguments
      : undefined
  record({
    server: ctx.server,
    tool,
    decision: decision.kind === 'approve' ? 'allow' : 'deny',
    how: decision.source,
    ...(edited
      ? { argumentsHash: argumentsHash(args), editedArgumentsHash: argumentsHash(edited) }
      : {}),
  })
  if (decision.kind === 'approve') {
    // Never an unbound rule: without the definition the person saw, "always" approves this call only.
    if (decision.always && definition) await ctx.onAlwaysAllow(tool, definition)
    // The same for a window: unbound, "for 1 hour" would outlive a change to the tool.
    else if (decision.forSeconds !== undefined && definition)
      await ctx.onAllowFor?.(tool, definition, decision.forSeconds)
    return { kind: 'forward', approved: true, ...(edited ? { edited } : {}) }
  }
  return { kind: 'deny', text: denialText(ctx, tool, decision) }
}

function denialText(ctx: GateContext, tool: string, decision: Decision): string {
  const call = `The call to ${JSON.stringify(tool)} on ${JSON.stringify(ctx.server)}`
  switch (decision.source) {
    case 'timeout':
      return `${call} was not run: nobody approved it within ${formatDuration(ctx.timeoutMs)} at ${ctx.approvalsUrl}. Ask the user to approve it there, then try again.`
    case 'shutdown':
      return `${call} was not run: the bridge stopped before anyone decided.`
    case 'disconnect':
      return `${call} was withdrawn because the client went away.`
    case 'cancelled':
      return `${call} was withdrawn: the client cancelled it.`
    default:
      return `${call} was denied by the user (${decision.source === 'terminal' ? 'from the terminal' : 'on the approvals page'}) and was not run. Do not retry it unless the user asks you to.`
  }
}
