// Stage 4, gate: every tools/call passes the policy. Denied calls are answered here; `ask` calls
// wait for a person first. A request whose calls policy allows goes on at once, without a
// promise or a progress stream: the common case costs one policy lookup per call.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DecisionRecord, GateContext } from '../../approvals/gate.js'
import { argumentsOf, gateMessages, verdictOfMessage, type GateOutcome } from './gate-messages.js'
import type { ToolDefinition } from '../../approvals/tool-catalog.js'
import type { ServerEntry } from '../../config/schema.js'
import type { ClientGone } from '../../proxy/client-gone.js'
import {
  acceptsEventStream,
  openHeldStream,
  progressTokenOf,
  type HeldStream,
} from '../../proxy/held-stream.js'
import { declaredClientName } from '../../proxy/mcp-headers.js'
import { toolCallName, type JsonRpcId, type JsonRpcMessage } from '../../proxy/jsonrpc.js'
import { approvedRoundsOf, type ApprovalsWiring } from './approvals-wiring.js'
import type { ReadMessages } from './read-stage.js'

export interface Gated {
  outcome: GateOutcome
  /** The SSE answer opened while a call waited (progress notifications), when there is one. */
  stream: HeldStream | undefined
}

export interface GateInput {
  req: IncomingMessage
  res: ServerResponse
  server: string
  entry: ServerEntry
  read: ReadMessages
  clientName: string | undefined
  timeoutMs: number
  gone: ClientGone
}

/** Calls the policy allows outright, decided now; undefined when some call needs more (deny, ask, a round). */
export function allowedNow(
  messages: JsonRpcMessage[],
  input: GateInput,
  approvals: ApprovalsWiring,
): GateOutcome | undefined {
  const records: DecisionRecord[] = []
  for (const message of messages) {
    const verdict = verdictOfMessage(
      message,
      input.entry,
      approvals.catalog,
      input.server,
      input.clientName,
    )
    if (!verdict) continue
    if (verdict.policy !== 'allow') return undefined
    const record: DecisionRecord = {
      rule: verdict.rule,
      arguments: argumentsOf(message),
      server: input.server,
      tool: verdict.tool,
      decision: 'allow',
      how: 'policy',
    }
    if (input.clientName) record.client = input.clientName
    records.push(record)
  }
  for (const record of records) approvals.onDecision(record)
  return { local: [], forward: messages, approved: [] }
}

/** What the gate made of the request's messages; `undefined` when the client left while a call waited. */
export function gateRequest(
  input: GateInput,
  approvals: ApprovalsWiring | undefined,
): Gated | Promise<Gated | undefined> {
  const { messages } = input.read
  const sessionId = input.req.headers['mcp-session-id']
  // MCP §Cancellation: a client withdraws a request it no longer wants; a held one leaves the page.
  if (approvals)
    for (const message of messages)
      if (message.method === 'notifications/cancelled')
        approvals.cancelHeld(
          sessionId,
          (message.params as { requestId?: JsonRpcId } | undefined)?.requestId,
        )
  const passed = { outcome: { local: [], forward: messages, approved: [] }, stream: undefined }
  if (!approvals || !messages.some((message) => toolCallName(message) !== undefined)) return passed
  const now = allowedNow(messages, input, approvals)
  if (now) return { outcome: now, stream: undefined }
  return holdAndDecide(input, approvals)
}

async function holdAndDecide(
  input: GateInput,
  approvals: ApprovalsWiring,
): Promise<Gated | undefined> {
  const context = gateContext(input, approvals)
  const stream = progressStream(input, approvals, context.clientName)
  try {
    const outcome = await gateMessages(input.read.messages, context)
    return input.gone.gone ? undefined : { outcome, stream }
  } finally {
    stream?.stopProgress()
  }
}

/**
 * A lone call that will wait, from a client that takes SSE and asked for progress: answer over
 * SSE at once and send progress while it waits, so clients that reset their timeout on progress
 * keep waiting (MCP basic/utilities/progress).
 */
function progressStream(
  input: GateInput,
  approvals: ApprovalsWiring,
  clientName: string | undefined,
): HeldStream | undefined {
  const parsed = input.read.parsed
  const progressToken = parsed.kind === 'single' ? progressTokenOf(parsed.message) : undefined
  if (progressToken === undefined || !acceptsEventStream(input.req)) return undefined
  const asks = input.read.messages.some(
    (message) =>
      verdictOfMessage(message, input.entry, approvals.catalog, input.server, clientName)
        ?.policy === 'ask',
  )
  return asks
    ? openHeldStream(input.res, progressToken as string | number, approvals.pageUrl())
    : undefined
}

function gateContext(input: GateInput, approvals: ApprovalsWiring): GateContext {
  const { server, read, gone } = input
  const sessionId = input.req.headers['mcp-session-id']
  const modern = read.modern
  const clientName = input.clientName
  return {
    server,
    entry: input.entry,
    catalog: approvals.catalog,
    queue: approvals.queue,
    timeoutMs: input.timeoutMs,
    clientName,
    modern,
    ...(modern ? { rounds: approvedRoundsOf(approvals) } : {}),
    approvalsUrl: approvals.pageUrl(),
    signal: gone.signal,
    // A 2026-07-28 client cancels by closing the request's stream (the signal above), with no
    // session to match a notifications/cancelled against (basic/patterns/cancellation.mdx).
    ...(modern
      ? {}
      : {
          onHeld: (requestId: JsonRpcId, pendingId: string) =>
            approvals.rememberHeld(sessionId, requestId, pendingId),
        }),
    // The decision log names the client that asked, as the held call does.
    onDecision: (record: DecisionRecord) =>
      approvals.onDecision(
        record.client === undefined && clientName ? { ...record, client: clientName } : record,
      ),
    onAlwaysAllow: (tool: string, definition: ToolDefinition) =>
      approvals.onAlwaysAllow(server, tool, definition),
    onAllowFor: (tool: string, definition: ToolDefinition, seconds: number) =>
      approvals.onAllowFor?.(server, tool, definition, seconds) ?? Promise.resolve(),
  }
}

/** 2025 clients named themselves at initialize (kept per session); 2026-07-28 ones in each request. */
export function clientNameOf(
  req: IncomingMessage,
  read: ReadMessages,
  approvals: ApprovalsWiring | undefined,
  callerName: string | undefined,
): string | undefined {
  if (!approvals) return callerName
  return (
    callerName ??
    approvals.clientName(req.headers['mcp-session-id']) ??
    (read.parsed.kind === 'single' ? declaredClientName(read.parsed.message) : undefined)
  )
}
