// The policy gate in front of the upstream: decides every tools/call in a request (one message
// or a batch, call by call), holds the `ask` ones until a person decides, and answers denied
// calls itself with a tool error the model can read. The upstream never sees a denied call.
import type { ServerEntry } from '../config/schema.js'
import { toolCallName, toolErrorResult, type JsonRpcId, type JsonRpcMessage } from '../proxy/jsonrpc.js'
import { withArguments } from '../proxy/rewrite-call.js'
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
  onHeld?: (requestId: JsonRpcId, pendingId: string) => void
  onDecision: (record: DecisionRecord) => void
  /** "Always allow" from the page: write the policy, bound to the definition the person saw. */
  onAlwaysAllow: (tool: string, definition: ToolDefinition) => Promise<void>
  /** "Allow for 1 hour" from the page or the terminal: open a time window, bound to the definition the person saw. */
  onAllowFor?: (tool: string, definition: ToolDefinition, seconds: number) => Promise<void>
}

export interface GateOutcome {
  /** Answers the bridge gives itself, in request order. */
  local: object[]
  /** The messages that still go upstream, in request order. */
  forward: JsonRpcMessage[]
  /** Those of them a person approved (now or in an earlier round), whose answers may start another round. */
  approved: JsonRpcMessage[]
  /** Calls a person approved with edited arguments; `forward` and `approved` carry them edited. */
  edited?: EditedCall[]
}

export interface EditedCall {
  id: JsonRpcId
  tool: string
  /** The client's arguments, and the ones the call runs with instead. */
  original: unknown
  edited: Record<string, unknown>
}

export function verdictFor(message: JsonRpcMessage, entry: ServerEntry, catalog: ToolCatalog, server: string, client?: string): (PolicyVerdict & { tool: string }) | undefined {
  const tool = toolCallName(message)
  if (tool === undefined) return undefined
  const args = (message.params as { arguments?: unknown } | undefined)?.arguments ?? {}
  return { tool, ...decide(entry, { tool, arguments: args, server, client: client ?? '' }, catalog.get(server, tool)) }
}

export async function gateMessages(messages: JsonRpcMessage[], ctx: GateContext): Promise<GateOutcome> {
  const settled = await Promise.all(messages.map((message) => settle(message, ctx)))
  // What goes upstream: each message as the client sent it, or with the arguments a person gave it.
  const sent = settled.map((result, index) => (result.edited ? withArguments(messages[index] as JsonRpcMessage, result.edited.edited) : (messages[index] as JsonRpcMessage)))
  const edited = settled.flatMap((result) => (result.edited ? [result.edited] : []))
  return {
    local: settled.flatMap((result) => (result.answer ? [result.answer] : [])),
    forward: settled.flatMap((result, index) => (result.answer ? [] : [sent[index] as JsonRpcMessage])),
    approved: settled.flatMap((result, index) => (result.approved ? [sent[index] as JsonRpcMessage] : [])),
    ...(edited.length > 0 ? { edited } : {}),
  }
}

async function settle(message: JsonRpcMessage, ctx: GateContext): Promise<{ answer?: object; approved?: boolean; edited?: EditedCall }> {
  const verdict = verdictFor(message, ctx.entry, ctx.catalog, ctx.server, ctx.clientName)
  if (!verdict) return {}
  const { tool } = verdict
  const args = (message.params as { arguments?: unknown } | undefined)?.arguments ?? {}
  // Every record names the rule that governed the call (also when a person then decided it), the
  // client that asked, and the arguments (the log keeps only their hash and a redacted preview).
  const record = (fields: DecisionRecord) =>
    ctx.onDecision({ rule: verdict.rule, ...(ctx.clientName ? { client: ctx.clientName } : {}), arguments: args, ...fields })
  const id = message.id as JsonRpcId
  if (verdict.policy === 'allow') {
    record({ server: ctx.server, tool, decision: 'allow', how: 'policy' })
    return {}
  }
  if (verdict.policy === 'deny') {
    record({ server: ctx.server, tool, decision: 'deny', how: 'policy' })
    return { answer: toolErrorResult(id, `The tool ${JSON.stringify(tool)} on ${JSON.stringify(ctx.server)} is denied by policy (${verdict.rule}) and was not run. A person can see why with: ${command(`policy ${ctx.server} explain ${tool} '<arguments>'`)}`, { modern: ctx.modern }) }
  }
  const requestState = ctx.rounds ? requestStateOf(message.params) : undefined
  if (requestState !== undefined && ctx.rounds?.consume(ctx.server, tool, args, requestState)) {
    record({ server: ctx.server, tool, decision: 'allow', how: 'round' })
    return { approved: true }
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
    { timeoutMs: ctx.timeoutMs, signal: ctx.signal, onHeld: (pendingId) => ctx.onHeld?.(id, pendingId) },
  )
  // An edit that changes nothing the tool would see (spacing, key order) is a plain approval.
  const edited = decision.kind === 'approve' && decision.arguments !== undefined && !isSameArguments(args, decision.arguments) ? decision.arguments : undefined
  record({
    server: ctx.server,
    tool,
    decision: decision.kind === 'approve' ? 'allow' : 'deny',
    how: decision.source,
    ...(edited ? { argumentsHash: argumentsHash(args), editedArgumentsHash: argumentsHash(edited) } : {}),
  })
  if (decision.kind === 'approve') {
    // Never an unbound rule: without the definition the person saw, "always" approves this call only.
    if (decision.always && definition) await ctx.onAlwaysAllow(tool, definition)
    // The same for a window: unbound, "for 1 hour" would outlive a change to the tool.
    else if (decision.forSeconds !== undefined && definition) await ctx.onAllowFor?.(tool, definition, decision.forSeconds)
    return { approved: true, ...(edited ? { edited: { id, tool, original: args, edited } } : {}) }
  }
  return { answer: toolErrorResult(id, denialText(ctx, tool, decision), { modern: ctx.modern }) }
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
