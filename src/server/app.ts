// The bridge's HTTP front: /mcp/<name> proxies to the configured upstream with its token
// injected; tool calls pass the policy gate first. Requests are handled on node:http directly
// (no framework), as a short pipeline of named stages (./stages/): guard -> route -> read
// messages -> gate -> forward with the token -> relay, and one onError for what throws.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { withParamHeaders } from '../proxy/rewrite-call.js'
import { BridgeError } from '../errors.js'
import { ClientGone } from '../proxy/client-gone.js'
import type { RequestLogEntry } from './log-entry.js'
import { redactBody } from './request-log.js'
import type { AdmissionParts } from './stages/admit-stage.js'
import type { ApprovalsWiring } from './stages/approvals-wiring.js'
import { sendJson } from './stages/answer-json.js'
import { createOnError, sendFailure } from './stages/failure-stage.js'
import { failureAnswer, stackNote } from './error-answer.js'
import { forwardWithToken, type ForwardParts } from './stages/forward-stage.js'
import { clientNameOf, gateRequest, type Gated } from './stages/gate-stage.js'
import { guardRequest } from './stages/guard-stage.js'
import { readMessages, refuseHeaderMismatch, type ReadMessages } from './stages/read-stage.js'
import { relayAnswer } from './stages/relay-stage.js'
import { routeRequest, type RouteParts, type Routed } from './stages/route-stage.js'

export type { RequestLogEntry } from './log-entry.js'
export type { ClientAccess } from './stages/admit-stage.js'
export type { ApprovalsWiring } from './stages/approvals-wiring.js'
export { MAX_BODY_BYTES } from './stages/read-stage.js'
export { HEALTH_PATH } from './stages/route-stage.js'

export interface BridgeAppOptions extends ForwardParts, RouteParts, AdmissionParts {
  allowedAuthorities: () => Set<string>
  log: (entry: RequestLogEntry) => void
  /** Adds request bodies (redacted) to the log: --verbose. */
  verbose?: boolean
  /** Secrets that must never reach the log, even inside a body. */
  knownSecrets?: () => string[]
  /** Told how each proxied request ended, so the dashboard can show a server's last error. */
  onOutcome?: (name: string, error: Error | undefined) => void
  /** The approvals gate; without it every tool call is forwarded (used by tests of the proxy alone). */
  approvals?: ApprovalsWiring
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

export function createBridgeHandler(options: BridgeAppOptions): Handler {
  // Nothing may crash the bridge: an unexpected failure is logged with its stack and still answered.
  const onError = createOnError(options.log)
  return (req, res) => {
    const started = performance.now()
    handle(req, res, options).catch((error: unknown) => onError(error, req, res, started))
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: BridgeAppOptions,
): Promise<void> {
  const started = performance.now()
  if (!guardRequest(req, res, options.allowedAuthorities())) return
  const routing = routeRequest(req, res, options)
  const routed = routing instanceof Promise ? await routing : routing
  if (!routed) return
  const reading = readMessages(req, res)
  const read = reading instanceof Promise ? await reading : reading
  if (!read) return
  const log = requestLogger(routed.name, read, started, options)
  const approvals = options.approvals
  const mismatch = refuseHeaderMismatch(
    req,
    res,
    read,
    (tool) => approvals?.catalog.get(routed.name, tool)?.inputSchema,
  )
  if (mismatch) return log(mismatch.status, mismatch.note)
  const gone = new ClientGone(res)
  const gating = gateRequest(
    {
      req,
      res,
      server: routed.name,
      entry: routed.entry,
      read,
      gone,
      clientName: clientNameOf(req, read, approvals, routed.caller?.clientName),
      timeoutMs: routed.config.approvalTimeoutSeconds * 1000,
    },
    approvals,
  )
  const gated = gating instanceof Promise ? await gating : gating
  if (!gated) return log(499, 'client went away while the call waited')
  if (read.messages.length > 0 && gated.outcome.forward.length === 0)
    return answerLocally(res, read, gated, log)
  await forwardAndRelay(req, res, routed, read, gated, gone, log, options)
}

type Log = (status: number, note?: string) => void

function requestLogger(
  server: string,
  read: ReadMessages,
  started: number,
  options: BridgeAppOptions,
): Log {
  const body =
    options.verbose && read.body ? redactBody(read.body, options.knownSecrets?.() ?? []) : undefined
  return (status, note) => {
    const entry: RequestLogEntry = {
      server,
      method: read.label,
      status,
      ms: performance.now() - started,
    }
    if (note) entry.note = note
    if (body) entry.body = body
    options.log(entry)
  }
}

/** Every message was answered by the bridge (denied, timed out): nothing goes upstream. */
function answerLocally(res: ServerResponse, read: ReadMessages, gated: Gated, log: Log): void {
  const { local } = gated.outcome
  if (gated.stream) gated.stream.finish(local)
  else sendJson(res, 200, read.parsed.kind === 'batch' ? local : local[0])
  log(200, 'answered by the bridge')
}

async function forwardAndRelay(
  req: IncomingMessage,
  res: ServerResponse,
  routed: Routed,
  read: ReadMessages,
  gated: Gated,
  gone: ClientGone,
  log: Log,
  options: BridgeAppOptions,
): Promise<void> {
  const { name, entry } = routed
  const { outcome, stream } = gated
  const requestId = read.parsed.kind === 'single' ? read.parsed.message.id : undefined
  const timeoutSeconds = routed.config.upstreamTimeoutSeconds
  let upstream
  try {
    upstream = await forwardWithToken(
      {
        name,
        entry,
        method: req.method as string,
        headers: outgoingHeaders(req, routed, read, outcome, options),
        body: outgoingBody(read, outcome),
        timeoutSeconds,
        caller: routed.caller?.clientId,
        gone,
      },
      options,
    )
  } catch (error) {
    const status = stream
      ? (stream.finish([failureAnswer(error, { id: requestId ?? null, method: 'POST' }).body]), 200)
      : sendFailure(res, error, requestId, req.method)
    if ((error as Error).name !== 'AbortError') options.onOutcome?.(name, error as Error)
    // A BridgeError is a failure the bridge knows how to word; anything else is a bug, so its stack is kept.
    return log(status, error instanceof BridgeError ? error.code : stackNote(error))
  }
  options.onOutcome?.(
    name,
    upstream.statusCode >= 500
      ? new Error(`The upstream server answered HTTP ${upstream.statusCode}.`)
      : undefined,
  )
  const relayed = await relayAnswer(
    { req, res, name, entry, read, gated: outcome, stream, timeoutSeconds },
    upstream,
    options.approvals,
  )
  if (relayed.fault) options.onOutcome?.(name, relayed.fault)
  log(upstream.statusCode, relayed.note)
}

/** The body as the client sent it, unless the bridge answered some calls or a person edited one. */
function outgoingBody(read: ReadMessages, outcome: Gated['outcome']): Buffer | undefined {
  if (outcome.local.length === 0 && !outcome.edited) return read.body
  return Buffer.from(
    JSON.stringify(read.parsed.kind === 'batch' ? outcome.forward : outcome.forward[0]),
  )
}

/**
 * Edited arguments in a lone call: the Mcp-Param-* headers mirroring them follow the new body
 * (a batch carries no mirrored headers: the read stage refused it).
 */
function outgoingHeaders(
  req: IncomingMessage,
  routed: Routed,
  read: ReadMessages,
  outcome: Gated['outcome'],
  options: BridgeAppOptions,
): IncomingMessage['headers'] {
  const editedCall = read.parsed.kind === 'single' ? outcome.edited?.[0] : undefined
  const approvals = options.approvals
  if (!editedCall || !approvals) return req.headers
  return withParamHeaders(
    req.headers,
    approvals.catalog.get(routed.name, editedCall.tool)?.inputSchema,
    editedCall.edited,
    read.modern,
  )
}
