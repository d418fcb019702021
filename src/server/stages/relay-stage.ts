// Stage 6, relay: the upstream's answer back to the client, with what the bridge adds on the way:
// the tools list recorded and filtered, a person's edits noted in the result, one approval
// carried over a 2026-07-28 call's input_required rounds, and an error page turned into JSON-RPC.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GateOutcome } from './gate-messages.js'
import { editNote } from '../../approvals/argument-diff.js'
import { decide } from '../../approvals/policy.js'
import type { ToolCatalog, ToolDefinition } from '../../approvals/tool-catalog.js'
import type { ServerEntry } from '../../config/schema.js'
import { judgeErrorAnswer } from '../../proxy/answer-relay.js'
import { relayResponse } from '../../proxy/forward.js'
import type { HeldStream } from '../../proxy/held-stream.js'
import { toolCallName } from '../../proxy/jsonrpc.js'
import { relayWithLocalAnswers } from '../../proxy/local-answers.js'
import { withResultNotes } from '../../proxy/result-note.js'
import { watchForInputRequired } from '../../proxy/round-watch.js'
import { relayToolsList } from '../../proxy/tools-list.js'
import {
  owedErrors,
  requestIds,
  sendOwedErrors,
  type AnswerContext,
} from '../../proxy/upstream-faults.js'
import type { UpstreamResponse } from '../../proxy/upstream.js'
import { approvedRoundsOf, type ApprovalsWiring } from './approvals-wiring.js'
import type { ReadMessages } from './read-stage.js'

export interface RelayInput {
  req: IncomingMessage
  res: ServerResponse
  name: string
  entry: ServerEntry
  read: ReadMessages
  gated: GateOutcome
  stream: HeldStream | undefined
  timeoutSeconds: number
}

export interface Relayed {
  /** The upstream failed (an error page, or broken off mid-answer): for the dashboard. */
  fault: Error | undefined
  note: string | undefined
}

export async function relayAnswer(
  input: RelayInput,
  given: UpstreamResponse,
  approvals: ApprovalsWiring | undefined,
): Promise<Relayed> {
  const { req, res, gated, stream, read } = input
  let upstream = decorate(input, given, approvals)
  // What the answer owes, so a fault on the way can still answer each request.
  const context: AnswerContext = {
    server: input.name,
    owed: req.method === 'POST' ? requestIds(gated.forward) : undefined,
    batch: read.parsed.kind === 'batch',
    timeoutSeconds: input.timeoutSeconds,
  }
  if (isUnreadableErrorCandidate(upstream, req)) {
    const judged = await judgeErrorAnswer(upstream, input.name)
    if (judged.kind === 'failed') {
      if (stream) stream.finish([...gated.local, ...owedErrors(context, judged.text, judged.data)])
      else sendOwedErrors(res, context, judged.text, upstream.statusCode, judged.data, gated.local)
      return { fault: new Error(judged.text), note: 'upstream error answer, not JSON-RPC' }
    }
    upstream = judged.upstream
  }
  const single = read.parsed.kind === 'single' ? read.parsed.message : undefined
  let fault: Error | undefined
  if (stream) fault = await stream.relay(upstream, gated.local, context)
  else if (single?.method === 'tools/list' && approvals && upstream.statusCode === 200)
    fault = await relayToolsList(
      upstream,
      res,
      (tools: ToolDefinition[]) =>
        filterToolsList(tools, input.name, input.entry, approvals.catalog),
      context,
    )
  else if (gated.local.length > 0)
    fault = await relayWithLocalAnswers(upstream, res, gated.local, context)
  else fault = await relayResponse(upstream, res, context)
  return { fault, note: fault ? 'upstream failed mid-answer' : undefined }
}

/** The answer with what the approvals add to it; and a new session's client name remembered. */
function decorate(
  input: RelayInput,
  given: UpstreamResponse,
  approvals: ApprovalsWiring | undefined,
): UpstreamResponse {
  if (!approvals) return given
  let upstream = given
  const { gated, read } = input
  // One approval covers the input_required rounds of a 2026-07-28 call: its answer says how the retry will look.
  const approvedCall = read.modern && upstream.statusCode === 200 ? gated.approved[0] : undefined
  if (approvedCall) {
    const rounds = approvedRoundsOf(approvals)
    // Remembered under the client's own arguments, which its retry repeats; the edit goes with it.
    const edit = gated.edited?.find((call) => call.id === approvedCall.id)
    const args = edit
      ? edit.original
      : ((approvedCall.params as { arguments?: unknown } | undefined)?.arguments ?? {})
    upstream = watchForInputRequired(upstream, approvedCall.id ?? null, (requestState) =>
      rounds.remember(
        input.name,
        toolCallName(approvedCall) ?? '',
        args,
        requestState,
        Date.now(),
        edit?.edited,
      ),
    )
  }
  // The model reads in the result that a person changed the arguments, and how.
  if (gated.edited)
    upstream = withResultNotes(
      upstream,
      new Map(gated.edited.map((call) => [call.id, editNote(call.original, call.edited)])),
    )
  const single = read.parsed.kind === 'single' ? read.parsed.message : undefined
  if (single?.method === 'initialize') {
    approvals.rememberClient(
      upstream.headers['mcp-session-id'],
      (single.params as { clientInfo?: { name?: unknown } } | undefined)?.clientInfo?.name,
    )
  }
  return upstream
}

/**
 * An HTTP error answer that may not be JSON-RPC, so its body must be read before it is passed on.
 * SSE answers are streams, and a 404 on a session is the signal to start a new one (MCP
 * Streamable HTTP §Session Management): both pass on as they are.
 */
export function isUnreadableErrorCandidate(
  upstream: UpstreamResponse,
  req: IncomingMessage,
): boolean {
  if (upstream.statusCode < 400) return false
  if (upstream.statusCode === 404 && req.headers['mcp-session-id'] !== undefined) return false
  return !String(upstream.headers['content-type'] ?? '').includes('text/event-stream')
}

/** Records the tools a server lists and leaves out the ones whose policy is deny. */
export function filterToolsList(
  tools: ToolDefinition[],
  name: string,
  entry: ServerEntry,
  catalog: ToolCatalog,
): ToolDefinition[] {
  catalog.record(name, tools)
  return tools.filter((tool) => decide(entry, tool.name, tool).policy !== 'deny')
}
