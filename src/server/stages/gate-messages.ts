// The gate over a request's JSON-RPC messages: each tools/call (one message, or a batch call by
// call) goes to the policy gate as plain values, and its decision comes back as JSON-RPC here: a
// denied call becomes a tool error the model can read (the upstream never sees it), an edited one
// its message with the new arguments.
import { decideCall, verdictFor, type GateContext } from '../../approvals/gate.js'
import type { PolicyVerdict } from '../../approvals/policy.js'
import type { ToolCatalog } from '../../approvals/tool-catalog.js'
import type { ServerEntry } from '../../config/schema.js'
import {
  toolCallName,
  toolErrorResult,
  type JsonRpcId,
  type JsonRpcMessage,
} from '../../proxy/jsonrpc.js'
import { withArguments } from '../../proxy/rewrite-call.js'

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

/** The arguments of a tools/call message (`{}` when it names none). */
export function argumentsOf(message: JsonRpcMessage): unknown {
  return (message.params as { arguments?: unknown } | undefined)?.arguments ?? {}
}

/** What the policy says of a message's call, or undefined when it is not a tools/call. */
export function verdictOfMessage(
  message: JsonRpcMessage,
  entry: ServerEntry,
  catalog: ToolCatalog,
  server: string,
  client?: string,
): (PolicyVerdict & { tool: string }) | undefined {
  const tool = toolCallName(message)
  if (tool === undefined) return undefined
  return {
    tool,
    ...verdictFor({ tool, arguments: argumentsOf(message) }, entry, catalog, server, client),
  }
}

type Settled = { answer?: object; approved?: boolean; edited?: EditedCall }

async function settle(message: JsonRpcMessage, ctx: GateContext): Promise<Settled> {
  const tool = toolCallName(message)
  if (tool === undefined) return {}
  const id = message.id as JsonRpcId
  const args = argumentsOf(message)
  const decision = await decideCall({ id, tool, arguments: args, params: message.params }, ctx)
  if (decision.kind === 'deny')
    return { answer: toolErrorResult(id, decision.text, { modern: ctx.modern === true }) }
  return {
    approved: decision.approved,
    ...(decision.edited ? { edited: { id, tool, original: args, edited: decision.edited } } : {}),
  }
}

export async function gateMessages(
  messages: JsonRpcMessage[],
  ctx: GateContext,
): Promise<GateOutcome> {
  const settled = await Promise.all(messages.map((message) => settle(message, ctx)))
  // What goes upstream: each message as the client sent it, or with the arguments a person gave it.
  const sent = settled.map((result, index) =>
    result.edited
      ? withArguments(messages[index] as JsonRpcMessage, result.edited.edited)
      : (messages[index] as JsonRpcMessage),
  )
  const edited = settled.flatMap((result) => (result.edited ? [result.edited] : []))
  return {
    local: settled.flatMap((result) => (result.answer ? [result.answer] : [])),
    forward: settled.flatMap((result, index) =>
      result.answer ? [] : [sent[index] as JsonRpcMessage],
    ),
    approved: settled.flatMap((result, index) =>
      result.approved ? [sent[index] as JsonRpcMessage] : [],
    ),
    ...(edited.length > 0 ? { edited } : {}),
  }
}
