// The bridge's HTTP front: /mcp/<name> proxies to the configured upstream with its token
// injected; tool calls pass the policy gate first. Requests are handled on node:http directly
// (no framework) because the hot path is a handful of header copies and one stream pipe.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { gateMessages, verdictFor, type DecisionRecord, type GateOutcome } from '../approvals/gate.js'
import { decide } from '../approvals/policy.js'
import type { ApprovalQueue } from '../approvals/queue.js'
import type { ToolCatalog, ToolDefinition } from '../approvals/tool-catalog.js'
import { acceptsEventStream, openHeldStream, progressTokenOf, type HeldStream } from '../proxy/held-stream.js'
import { relayToolsList } from '../proxy/tools-list.js'
import { HEADER_MISMATCH_STATUS, checkMcpHeaders, declaredClientName, headerMismatchResponse, isModernRequest } from '../proxy/mcp-headers.js'
import { watchForInputRequired } from '../proxy/round-watch.js'
import { withParamHeaders } from '../proxy/rewrite-call.js'
import { withResultNotes } from '../proxy/result-note.js'
import { editNote } from '../approvals/argument-diff.js'
import { ApprovedRounds } from '../approvals/approved-rounds.js'
import type { BridgeConfig, ServerEntry } from '../config/schema.js'
import { BridgeError } from '../errors.js'
import type { AuthChallenge } from '../oauth/probe.js'
import {
  BRIDGE_ERROR, INVALID_REQUEST, LOGIN_REQUIRED_ERROR, PARSE_ERROR,
  errorResponse, methodLabel, parseBody, toolCallName,
  type JsonRpcId, type ParsedBody,
} from '../proxy/jsonrpc.js'
import { discardBody, readText, relayResponse, type UpstreamResponse, type UpstreamSender } from '../proxy/forward.js'
import { judgeErrorAnswer, relayEventStream } from '../proxy/answer-relay.js'
import { brokenAnswerText, noAnswerText, owedErrors, requestIds, sendOwedErrors, type AnswerContext } from '../proxy/upstream-faults.js'
import type { TokenManager } from '../tokens/manager.js'
import { checkHostAndOrigin, hasBridgeToken } from './guard.js'
import { sendRefused } from './pages/dashboard.js'
import { redactBody } from './request-log.js'
import { readAll } from '../proxy/read-all.js'
import { VERSION } from '../version.js'
import { configStamp } from './config-stamp.js'

export const MAX_BODY_BYTES = 4 * 1024 * 1024
export const HEALTH_PATH = '/health'
/** How many times one request may send the user through a new login (401 without a token, or 403 insufficient_scope). */
const MAX_LOGINS_PER_REQUEST = 2

export interface BridgeAppOptions {
  config: () => BridgeConfig
  tokens: TokenManager
  staticHeaders: (name: string) => Promise<Record<string, string> | undefined>
  /** Runs a browser login for `name` while the client's request waits; shared by concurrent callers. */
  authorize: (name: string, challenge: AuthChallenge) => Promise<void>
  allowedAuthorities: () => Set<string>
  /** How to reach a server: Streamable HTTP, or the older HTTP+SSE transport. */
  senderFor: (name: string, entry: ServerEntry) => UpstreamSender
  /** The bridge access token clients must present, or undefined when access control is off (--no-auth). */
  bridgeToken: () => string | undefined
  log: (entry: RequestLogEntry) => void
  /** Adds request bodies (redacted) to the log: --verbose. */
  verbose?: boolean
  /** Secrets that must never reach the log, even inside a body. */
  knownSecrets?: () => string[]
  /** The dashboard and its actions, for every path outside /mcp/. */
  pages?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>
  /** Told how each proxied request ended, so the dashboard can show a server's last error. */
  onOutcome?: (name: string, error: Error | undefined) => void
  /** The approvals gate; without it every tool call is forwarded (used by tests of the proxy alone). */
  approvals?: ApprovalsWiring
  /** This run's id, reported by /health so the runtime file's reader knows it reached this bridge. */
  instanceId?: string
  /** Clients that logged in to the bridge itself (src/authorization/); without it only the bridge token admits. */
  clientAccess?: ClientAccess
}

export interface ClientAccess {
  /** The client behind a bridge-issued token valid for `server`, or undefined. */
  identify: (req: IncomingMessage, server: string) => Promise<{ clientId: string; clientName: string } | undefined>
  /** WWW-Authenticate for a 401 on /mcp/<server> (RFC 9728 §5.1): where to start logging in. */
  challenge: (req: IncomingMessage, server: string) => string
}

export interface ApprovalsWiring {
  queue: ApprovalQueue
  catalog: ToolCatalog
  pageUrl: () => string
  clientName: (sessionId: string | string[] | undefined) => string | undefined
  rememberClient: (sessionId: string | string[] | undefined, clientName: unknown) => void
  rememberHeld: (sessionId: string | string[] | undefined, requestId: JsonRpcId, pendingId: string) => void
  cancelHeld: (sessionId: string | string[] | undefined, requestId: JsonRpcId | undefined) => void
  onDecision: (record: DecisionRecord) => void
  onAlwaysAllow: (server: string, tool: string, definition: ToolDefinition) => Promise<void>
  /** "Allow for 1 hour": a time window for the tool, bound to the definition the person saw. */
  onAllowFor?: (server: string, tool: string, definition: ToolDefinition, seconds: number) => Promise<void>
}

export interface RequestLogEntry {
  server: string
  method: string
  status: number
  ms: number
  note?: string
  body?: string
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

export function createBridgeHandler(options: BridgeAppOptions): Handler {
  return (req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      // Nothing may crash the bridge; an unexpected failure still gets an answer.
      if (!res.headersSent) sendJson(res, 500, errorResponse(null, BRIDGE_ERROR, `Internal bridge error: ${(error as Error).message}`))
      else res.destroy()
    })
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, options: BridgeAppOptions): Promise<void> {
  const started = performance.now()
  const verdict = checkHostAndOrigin(req, options.allowedAuthorities())
  if (!verdict.ok) {
    if (verdict.audience === 'person') sendRefused(res, verdict.reason)
    else sendJson(res, 403, errorResponse(null, INVALID_REQUEST, `Forbidden: ${verdict.reason}.`))
    return
  }
  const url = new URL(req.url ?? '/', 'http://bridge')
  if (url.pathname === HEALTH_PATH && req.method === 'GET') {
    // Tells `stdio` and `doctor` that what answers on this port is a bridge; it holds no secret.
    sendJson(res, 200, { service: 'mcp-oauth-bridge', version: VERSION, pid: process.pid, ...(options.instanceId ? { instanceId: options.instanceId } : {}), config: configStamp(options.config()) })
    return
  }
  const match = /^\/mcp\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname)
  if (!match && options.pages && !url.pathname.startsWith('/mcp')) {
    await options.pages(req, res, url)
    return
  }
  if (!match) {
    sendJson(res, 404, errorResponse(null, INVALID_REQUEST, `Nothing at ${url.pathname}: MCP servers are served at /mcp/<name>.`))
    return
  }
  const name = match[1] as string
  const bridgeToken = options.bridgeToken()
  // The static bridge token, or a token the bridge issued to this client for this server.
  const admitted = bridgeToken === undefined || hasBridgeToken(req, bridgeToken)
  const caller = admitted ? undefined : await options.clientAccess?.identify(req, name)
  if (!admitted && !caller) {
    req.resume()
    // The challenge sends OAuth-capable clients to the bridge's own authorization server
    // (MCP 2025-11-25 §Protected Resource Metadata Discovery); the body tells people the other way in.
    const challenge = options.clientAccess?.challenge(req, name)
    sendJson(res, 401, errorResponse(null, INVALID_REQUEST, `This bridge needs its access token (Authorization: Bearer …), or a login of your client to the bridge. Get the URL and header for your client with: mcp-oauth-bridge connect ${name}`), challenge ? { 'www-authenticate': challenge } : {})
    return
  }
  const config = options.config()
  const entry = config.servers[name]
  if (!entry) {
    const known = Object.keys(config.servers)
    sendJson(res, 404, errorResponse(null, INVALID_REQUEST, `No server named ${JSON.stringify(name)} is configured. ${known.length ? `Configured: ${known.join(', ')}.` : 'Add one with `mcp-oauth-bridge add <name> <url>`.'}`))
    return
  }
  if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
    res.writeHead(405, { allow: 'GET, POST, DELETE' }).end()
    return
  }

  let body: Buffer | undefined
  let parsed: ParsedBody = { kind: 'empty' }
  if (req.method === 'POST') {
    body = await readBody(req, MAX_BODY_BYTES)
    if (!body) {
      sendJson(res, 413, errorResponse(null, INVALID_REQUEST, `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB.`))
      return
    }
    parsed = parseBody(body)
    if (parsed.kind === 'invalid' || parsed.kind === 'empty') {
      const reason = parsed.kind === 'invalid' ? parsed.reason : 'the body is empty'
      sendJson(res, 400, errorResponse(null, PARSE_ERROR, `Parse error: ${reason}.`))
      return
    }
  }
  const label = parsed.kind === 'single' ? methodLabel(parsed.message) : parsed.kind === 'batch' ? `batch of ${parsed.messages.length}` : req.method
  const loggedBody = options.verbose && body ? redactBody(body, options.knownSecrets?.() ?? []) : undefined
  const log = (status: number, note?: string) =>
    options.log({ server: name, method: label, status, ms: performance.now() - started, ...(note ? { note } : {}), ...(loggedBody ? { body: loggedBody } : {}) })

  const approvals = options.approvals
  // The gate judges the body; headers that mirror it (2026-07-28) must agree, or what the upstream
  // side routes on is not what was approved. Refused before anything is held or sent.
  const refusal = checkMcpHeaders(req.headers, parsed, (tool) => approvals?.catalog.get(name, tool)?.inputSchema)
  if (refusal) {
    sendJson(res, HEADER_MISMATCH_STATUS, headerMismatchResponse(parsed.kind === 'single' ? parsed.message.id : null, refusal))
    log(HEADER_MISMATCH_STATUS, `header mismatch: ${refusal.header}`)
    return
  }
  const modern = parsed.kind === 'single' && isModernRequest(parsed.message, req.headers)

  // The policy gate: denied calls are answered here; `ask` calls wait for a person first.
  const messages = parsed.kind === 'single' ? [parsed.message] : parsed.kind === 'batch' ? parsed.messages : []
  const abort = new AbortController()
  res.on('close', () => {
    if (!res.writableFinished) abort.abort()
  })
  // MCP §Cancellation: a client withdraws a request it no longer wants; a held one leaves the page.
  if (approvals) for (const message of messages) if (message.method === 'notifications/cancelled') approvals.cancelHeld(req.headers['mcp-session-id'], (message.params as { requestId?: JsonRpcId } | undefined)?.requestId)
  let stream: HeldStream | undefined
  let gated: GateOutcome = { local: [], forward: messages, approved: [] }
  if (approvals && messages.some((message) => toolCallName(message) !== undefined)) {
    const gateContext = {
      server: name,
      entry,
      catalog: approvals.catalog,
      queue: approvals.queue,
      timeoutMs: options.config().approvalTimeoutSeconds * 1000,
      // 2025 clients named themselves at initialize (kept per session); 2026-07-28 ones in each request.
      clientName: caller?.clientName ?? approvals.clientName(req.headers['mcp-session-id']) ?? (parsed.kind === 'single' ? declaredClientName(parsed.message) : undefined),
      modern,
      ...(modern ? { rounds: approvedRoundsOf(approvals) } : {}),
      approvalsUrl: approvals.pageUrl(),
      signal: abort.signal,
      // A 2026-07-28 client cancels by closing the request's stream (the abort above), with no
      // session to match a notifications/cancelled against (basic/patterns/cancellation.mdx).
      ...(modern ? {} : { onHeld: (requestId: JsonRpcId, pendingId: string) => approvals.rememberHeld(req.headers['mcp-session-id'], requestId, pendingId) }),
      // The decision log names the client that asked, as the held call does.
      onDecision: (record: DecisionRecord) => approvals.onDecision(record.client === undefined && gateContext.clientName ? { ...record, client: gateContext.clientName } : record),
      onAlwaysAllow: (tool: string, definition: ToolDefinition) => approvals.onAlwaysAllow(name, tool, definition),
      onAllowFor: (tool: string, definition: ToolDefinition, seconds: number) => approvals.onAllowFor?.(name, tool, definition, seconds) ?? Promise.resolve(),
    }
    // A lone call that will wait, from a client that takes SSE and asked for progress: answer over
    // SSE at once and send progress while it waits, so clients that reset their timeout on
    // progress keep waiting (MCP basic/utilities/progress).
    const progressToken = parsed.kind === 'single' ? progressTokenOf(parsed.message) : undefined
    // Policy is resolved again here only when a progress stream is possible at all: most calls
    // carry no progress token, and the gate below resolves it anyway.
    const canStream = progressToken !== undefined && acceptsEventStream(req)
    if (canStream && messages.some((message) => verdictFor(message, entry, approvals.catalog, name, gateContext.clientName)?.policy === 'ask')) {
      stream = openHeldStream(res, progressToken as string | number, approvals.pageUrl())
    }
    try {
      gated = await gateMessages(messages, gateContext)
    } finally {
      stream?.stopProgress()
    }
    if (abort.signal.aborted) {
      log(499, 'client went away while the call waited')
      return
    }
  }
  if (messages.length > 0 && gated.forward.length === 0) {
    const answer = parsed.kind === 'batch' ? gated.local : gated.local[0]
    if (stream) stream.finish(gated.local)
    else sendJson(res, 200, answer)
    log(200, 'answered by the bridge')
    return
  }
  if (gated.local.length > 0 || gated.edited) body = Buffer.from(JSON.stringify(parsed.kind === 'batch' ? gated.forward : gated.forward[0]))
  // Edited arguments in a lone call: the Mcp-Param-* headers mirroring them follow the new body
  // (a batch carries no mirrored headers: checkMcpHeaders refused it above).
  const editedCall = parsed.kind === 'single' ? gated.edited?.[0] : undefined
  const forwardHeaders = editedCall && approvals ? withParamHeaders(req.headers, approvals.catalog.get(name, editedCall.tool)?.inputSchema, editedCall.edited, modern) : req.headers

  const requestId = parsed.kind === 'single' ? parsed.message.id : undefined
  const timeoutSeconds = config.upstreamTimeoutSeconds
  let upstream: UpstreamResponse
  try {
    upstream = await exchange(req, name, entry, body, forwardHeaders, abort.signal, timeoutSeconds, options)
  } catch (error) {
    const status = stream ? (stream.fail(requestId ?? null, error), 200) : sendFailure(res, error, requestId, req.method)
    if ((error as Error).name !== 'AbortError') options.onOutcome?.(name, error as Error)
    log(status, error instanceof BridgeError ? error.code : 'error')
    return
  }
  options.onOutcome?.(name, upstream.statusCode >= 500 ? new Error(`The upstream server answered HTTP ${upstream.statusCode}.`) : undefined)
  // One approval covers the input_required rounds of a 2026-07-28 call: its answer says how the retry will look.
  const approvedCall = modern && approvals && upstream.statusCode === 200 ? gated.approved[0] : undefined
  if (approvedCall && approvals) {
    const rounds = approvedRoundsOf(approvals)
    const args = (approvedCall.params as { arguments?: unknown } | undefined)?.arguments ?? {}
    upstream = watchForInputRequired(upstream, approvedCall.id ?? null, (requestState) => rounds.remember(name, toolCallName(approvedCall) ?? '', args, requestState))
  }
  // The model reads in the result that a person changed the arguments, and how.
  if (gated.edited) upstream = withResultNotes(upstream, new Map(gated.edited.map((call) => [call.id, editNote(call.original, call.edited)])))
  const single = parsed.kind === 'single' ? parsed.message : undefined
  if (single?.method === 'initialize' && approvals) {
    approvals.rememberClient(upstream.headers['mcp-session-id'], (single.params as { clientInfo?: { name?: unknown } } | undefined)?.clientInfo?.name)
  }
  // What the answer owes, so a fault on the way can still answer each request.
  const context: AnswerContext = { server: name, owed: req.method === 'POST' ? requestIds(gated.forward) : undefined, batch: parsed.kind === 'batch', timeoutSeconds }
  if (isUnreadableErrorCandidate(upstream, req)) {
    const judged = await judgeErrorAnswer(upstream, name)
    if (judged.kind === 'failed') {
      options.onOutcome?.(name, new Error(judged.text))
      if (stream) stream.finish([...gated.local, ...owedErrors(context, judged.text, judged.data)])
      else sendOwedErrors(res, context, judged.text, upstream.statusCode, judged.data, gated.local)
      log(upstream.statusCode, 'upstream error answer, not JSON-RPC')
      return
    }
    upstream = judged.upstream
  }
  let fault: Error | undefined
  if (stream) {
    fault = await stream.relay(upstream, gated.local, context)
  } else if (single?.method === 'tools/list' && approvals && upstream.statusCode === 200) {
    fault = await relayToolsList(upstream, res, (tools) => filterToolsList(tools, name, entry, approvals.catalog), context)
  } else if (gated.local.length > 0) {
    fault = await relayWithLocalAnswers(upstream, res, gated.local, context)
  } else {
    fault = await relayResponse(upstream, res, context)
  }
  if (fault) options.onOutcome?.(name, fault)
  log(upstream.statusCode, fault ? 'upstream failed mid-answer' : undefined)
}

/**
 * An HTTP error answer that may not be JSON-RPC, so its body must be read before it is passed on.
 * SSE answers are streams, and a 404 on a session is the signal to start a new one (MCP
 * Streamable HTTP §Session Management): both pass on as they are.
 */
function isUnreadableErrorCandidate(upstream: UpstreamResponse, req: IncomingMessage): boolean {
  if (upstream.statusCode < 400) return false
  if (upstream.statusCode === 404 && req.headers['mcp-session-id'] !== undefined) return false
  return !String(upstream.headers['content-type'] ?? '').includes('text/event-stream')
}

/** Sends the request upstream; on 401 refreshes or logs in, on 403 insufficient_scope steps up, then retries. */
async function exchange(
  req: IncomingMessage,
  name: string,
  entry: ServerEntry,
  body: Buffer | undefined,
  clientHeaders: IncomingHttpHeaders,
  signal: AbortSignal,
  timeoutSeconds: number,
  options: BridgeAppOptions,
): Promise<UpstreamResponse> {
  let logins = 0
  let refreshed = false
  for (;;) {
    const token = entry.auth === 'none' ? undefined : await options.tokens.accessToken(name)
    const send = options.senderFor(name, entry)
    const upstream = await send({
      url: upstreamUrl(entry),
      method: req.method as string,
      clientHeaders,
      body,
      staticHeaders: await options.staticHeaders(name),
      token,
      signal,
      timeoutMs: timeoutSeconds * 1000,
    }).catch((error: unknown) => {
      throw upstreamUnreachable(name, entry.url, error, timeoutSeconds)
    })
    if (upstream.statusCode !== 401 && upstream.statusCode !== 403) return upstream
    // Loaded on first need: it brings the SDK's schemas, which the plain proxy path never uses.
    const { challengeFromHeader } = await import('../oauth/probe.js')
    const challenge = challengeFromHeader(upstream.headers['www-authenticate'])
    if (upstream.statusCode === 401) {
      await discardBody(upstream)
      if (token && !refreshed) {
        refreshed = true
        await options.tokens.replaceRejected(name, token)
        continue
      }
      if (logins < MAX_LOGINS_PER_REQUEST) {
        logins += 1
        await options.authorize(name, challenge)
        entry = options.config().servers[name] ?? entry
        continue
      }
      throw new BridgeError('LOGIN_REQUIRED', `${JSON.stringify(name)} still refuses the bridge's token after a fresh login.`, {
        hint: `Run \`mcp-oauth-bridge login ${name}\` and check that the account has access to this server.`,
      })
    }
    if (upstream.statusCode === 403 && challenge.error === 'insufficient_scope' && entry.auth !== 'none') {
      await discardBody(upstream)
      if (logins < MAX_LOGINS_PER_REQUEST) {
        logins += 1
        await options.authorize(name, challenge)
        continue
      }
      throw new BridgeError('INSUFFICIENT_SCOPE', `${JSON.stringify(name)} needs scope ${JSON.stringify(challenge.scope ?? '')} for this request and still refuses after a new login.`, {
        hint: `Run \`mcp-oauth-bridge login ${name}\` and grant the requested permissions, or check that your account may use them.`,
      })
    }
    return upstream
  }
}

/** A batch where some calls were answered here: merge those answers into the upstream's. */
async function relayWithLocalAnswers(upstream: UpstreamResponse, res: ServerResponse, local: object[], context: AnswerContext): Promise<Error | undefined> {
  const type = String(upstream.headers['content-type'] ?? '')
  if (type.includes('text/event-stream')) {
    res.writeHead(upstream.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    for (const answer of local) res.write(`event: message\ndata: ${JSON.stringify(answer)}\n\n`)
    return relayEventStream(upstream.body, res, context)
  }
  let text: string
  try {
    text = await readText(upstream)
  } catch (error) {
    if (res.destroyed) return undefined
    const fault = brokenAnswerText(context, error)
    sendJson(res, 200, [...local, ...owedErrors(context, fault, { server: context.server })])
    return new Error(fault)
  }
  let answers: unknown[] = []
  try {
    const value = text ? JSON.parse(text) : []
    answers = Array.isArray(value) ? value : [value]
  } catch {
    answers = []
  }
  sendJson(res, upstream.statusCode === 202 ? 200 : upstream.statusCode, [...local, ...answers])
  return undefined
}

function upstreamUnreachable(server: string, url: string, error: unknown, timeoutSeconds: number): BridgeError {
  const { code, name } = error as { code?: string; name?: string }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new BridgeError('UPSTREAM_FAILED', noAnswerText(server, url, timeoutSeconds), { cause: error })
  }
  if (name === 'HTTPParserError' || code?.startsWith('HPE_')) {
    return new BridgeError('UPSTREAM_FAILED', `The upstream server ${url} answered with something that is not HTTP.`, {
      hint: 'Check that the URL in config.json points at an MCP server.',
      cause: error,
    })
  }
  const detail = code === 'ECONNREFUSED' ? 'the connection was refused'
    : code === 'UND_ERR_CONNECT_TIMEOUT' ? 'it did not accept the connection in time'
    : code === 'ENOTFOUND' ? 'its host name does not resolve'
    : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' ? 'it closed the connection without answering'
    : (error as Error).message
  return new BridgeError('UPSTREAM_FAILED', `The upstream server ${url} cannot be reached: ${detail}.`, {
    hint: 'Check that the server is up and the URL in config.json is right.',
    cause: error,
  })
}

/**
 * Bridge-made failures: a request with an id gets a JSON-RPC error (HTTP 200, so every client
 * shows the message to the user); anything else gets an HTTP error status with the same body.
 */
function sendFailure(res: ServerResponse, error: unknown, id: JsonRpcId | undefined, method: string | undefined): number {
  if (res.headersSent) {
    res.destroy()
    return 0
  }
  const isBridgeError = error instanceof BridgeError
  if ((error as Error).name === 'AbortError') return 499
  const message = isBridgeError ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : `Bridge error: ${(error as Error).message}`
  const code = isBridgeError && (error.code === 'LOGIN_REQUIRED' || error.code === 'INSUFFICIENT_SCOPE') ? LOGIN_REQUIRED_ERROR : BRIDGE_ERROR
  const status = id !== undefined && id !== null && method === 'POST' ? 200
    : isBridgeError && error.code === 'UPSTREAM_FAILED' ? 502
    : 503
  sendJson(res, status, errorResponse(id ?? null, code, message))
  return status
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/** The request body, or undefined when it is larger than `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? '0')
  if (declared > limit) {
    req.resume()
    return undefined
  }
  return readAll(req, limit)
}

const approvedRounds = new WeakMap<ApprovalsWiring, ApprovedRounds>()

/** The continuations of approved calls, one memory per approvals wiring (that is, per bridge). */
function approvedRoundsOf(approvals: ApprovalsWiring): ApprovedRounds {
  let rounds = approvedRounds.get(approvals)
  if (!rounds) {
    rounds = new ApprovedRounds()
    approvedRounds.set(approvals, rounds)
  }
  return rounds
}

/** Records the tools a server lists and leaves out the ones whose policy is deny. */
function filterToolsList(tools: ToolDefinition[], name: string, entry: ServerEntry, catalog: ToolCatalog): ToolDefinition[] {
  catalog.record(name, tools)
  return tools.filter((tool) => decide(entry, tool.name, tool).policy !== 'deny')
}

const parsedUrls = new WeakMap<ServerEntry, URL>()

/** The entry's URL, parsed once per configuration load rather than once per request. */
function upstreamUrl(entry: ServerEntry): URL {
  let url = parsedUrls.get(entry)
  if (!url) {
    url = new URL(entry.url)
    parsedUrls.set(entry, url)
  }
  return url
}
