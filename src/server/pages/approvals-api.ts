// The approvals endpoints: the page (and the `approvals` command) list held calls, follow
// them live over SSE, and decide them. Decisions come only from the page itself (its session
// and CSRF token, JSON bodies, same origin) or from the CLI with the bridge access token.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApprovalQueue, QueueEvent } from '../../approvals/queue.js'
import { constantTimeEqual, hasBridgeToken } from '../../web/constant-time.js'
import { MAX_WINDOW_SECONDS } from '../../approvals/rules/duration.js'
import { redirectToPublicHost, sendSignedOutPage } from './dashboard.js'
import { sendNotFound } from '../../web/page-responses.js'
import { command } from '../../cli/commands-named.js'
import { checkHeldEdit, schemaUseText } from './edited-arguments.js'
import type { PageSessions } from '../../web/sessions.js'

export interface ApprovalsApiOptions {
  queue: ApprovalQueue
  sessions: PageSessions
  /** Undefined when access control is off. */
  bridgeToken: () => string | undefined
  renderPage: (csrf: string) => string
  pageHeaders: Record<string, string>
  script: { path: string; body: string }
}

/** Edited arguments ride in the decision, so it may be as large as a tool call's arguments reasonably get. */
const MAX_DECISION_BYTES = 1024 * 1024

export function createApprovalsRoutes(
  options: ApprovalsApiOptions,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  return async (req, res, url) => {
    const path = url.pathname
    if (req.method === 'GET' && path === options.script.path) {
      res
        .writeHead(200, {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        })
        .end(options.script.body)
      return
    }
    const caller = identify(req, options)
    if (req.method === 'GET' && path === '/approvals') {
      // Signed out here may mean signed in on `localhost`, whose cookie this host name never gets
      // (src/server/public-host.ts).
      if (caller.kind !== 'page')
        return redirectToPublicHost(req, res, url) ? undefined : sendSignedOutPage(req, res, url)
      const body = options.renderPage(caller.csrf)
      res
        .writeHead(200, { ...options.pageHeaders, 'content-length': Buffer.byteLength(body) })
        .end(body)
      return
    }
    if (caller.kind === 'none') {
      res.writeHead(401, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: `Log in through a one-time login link (\`${command('open')}\` gives a fresh one), or send the bridge access token.`,
        }),
      )
      return
    }
    if (req.method === 'GET' && path === '/approvals/api/pending') {
      sendJson(res, 200, { pending: options.queue.pending() })
      return
    }
    if (req.method === 'GET' && path === '/approvals/api/events') {
      streamEvents(res, options.queue)
      return
    }
    if (req.method === 'POST' && path === '/approvals/api/decide') {
      await decide(req, res, options.queue, caller)
      return
    }
    if (req.method === 'POST' && path === '/approvals/api/check-arguments') {
      await checkArguments(req, res, options.queue, caller)
      return
    }
    sendNotFound(res)
  }
}

type Caller = { kind: 'page'; csrf: string } | { kind: 'terminal' } | { kind: 'none' }

function identify(req: IncomingMessage, options: ApprovalsApiOptions): Caller {
  const token = options.bridgeToken()
  if (token !== undefined && hasBridgeToken(req, token)) return { kind: 'terminal' }
  // With access control off, a program that is not a browser (no Origin, no fetch metadata) is
  // the terminal; anything a browser sends must come from the page with its CSRF token.
  const fromBrowser =
    req.headers.origin !== undefined ||
    req.headers['sec-fetch-site'] !== undefined ||
    req.headers.cookie !== undefined
  if (token === undefined && !fromBrowser) return { kind: 'terminal' }
  const csrf = options.sessions.csrfFor(req, token !== undefined)
  if (csrf !== undefined) return { kind: 'page', csrf }
  return { kind: 'none' }
}

/**
 * The body of a POST from the page or the terminal, or undefined once a refusal was sent. JSON
 * only: a cross-site form cannot send it, and a cross-site fetch of it needs a CORS preflight
 * this server never grants.
 */
async function readJsonRequest(
  req: IncomingMessage,
  res: ServerResponse,
  caller: Caller,
): Promise<string | undefined> {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    sendJson(res, 415, { error: 'Send the decision as JSON.' })
    return undefined
  }
  if (
    caller.kind === 'page' &&
    !constantTimeEqual(String(req.headers['x-csrf-token'] ?? ''), caller.csrf)
  ) {
    sendJson(res, 403, { error: 'This decision did not come from the approvals page.' })
    return undefined
  }
  let body = ''
  for await (const chunk of req as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8')
    if (body.length > MAX_DECISION_BYTES) {
      sendJson(res, 413, { error: 'Decision too large.' })
      return undefined
    }
  }
  return body
}

async function decide(
  req: IncomingMessage,
  res: ServerResponse,
  queue: ApprovalQueue,
  caller: Caller,
): Promise<void> {
  const body = await readJsonRequest(req, res, caller)
  if (body === undefined) return
  let request: {
    id?: unknown
    decision?: unknown
    always?: unknown
    forSeconds?: unknown
    arguments?: unknown
  }
  try {
    request = JSON.parse(body) as typeof request
  } catch {
    sendJson(res, 400, { error: 'The decision is not valid JSON.' })
    return
  }
  if (
    typeof request.id !== 'string' ||
    (request.decision !== 'approve' && request.decision !== 'deny')
  ) {
    sendJson(res, 400, {
      error: 'Send {"id": "...", "decision": "approve" | "deny", "always": false}.',
    })
    return
  }
  // "Allow for 1 hour": whole seconds, at most the 30 days the command line allows too.
  const forSeconds = request.forSeconds
  if (
    forSeconds !== undefined &&
    (request.decision !== 'approve' ||
      !Number.isInteger(forSeconds) ||
      (forSeconds as number) < 1 ||
      (forSeconds as number) > MAX_WINDOW_SECONDS)
  ) {
    sendJson(res, 400, {
      error: `"forSeconds" goes with "approve" and must be a whole number of seconds from 1 to ${MAX_WINDOW_SECONDS}.`,
    })
    return
  }
  // "Approve edited": checked here, on the bridge, whatever the page already showed.
  let edited: Record<string, unknown> | undefined
  if (request.arguments !== undefined && request.decision === 'approve') {
    const checked = await checkHeldEdit(queue, request.id, request.arguments)
    if (!checked.ok) {
      sendJson(res, checked.status, {
        error: checked.error,
        ...(checked.errors ? { errors: checked.errors } : {}),
      })
      return
    }
    edited = checked.arguments
  }
  const decided = queue.decide(request.id, {
    kind: request.decision,
    source: caller.kind === 'terminal' ? 'terminal' : 'page',
    ...(request.always === true && request.decision === 'approve' ? { always: true } : {}),
    ...(forSeconds !== undefined ? { forSeconds: forSeconds as number } : {}),
    ...(edited ? { arguments: edited } : {}),
  })
  if (!decided) {
    sendJson(res, 409, {
      error:
        'That call is no longer waiting: it was decided elsewhere, timed out, or its client went away.',
    })
    return
  }
  sendJson(res, 200, { ok: true })
}

/** The page's live check of an edit: `{ok, schema, note, errors}`; the call stays held either way. */
async function checkArguments(
  req: IncomingMessage,
  res: ServerResponse,
  queue: ApprovalQueue,
  caller: Caller,
): Promise<void> {
  const body = await readJsonRequest(req, res, caller)
  if (body === undefined) return
  let request: { id?: unknown; arguments?: unknown }
  try {
    request = JSON.parse(body) as typeof request
  } catch {
    sendJson(res, 400, { error: 'The request is not valid JSON.' })
    return
  }
  if (typeof request.id !== 'string' || !('arguments' in request)) {
    sendJson(res, 400, { error: 'Send {"id": "...", "arguments": {...}}.' })
    return
  }
  const checked = await checkHeldEdit(queue, request.id, request.arguments)
  if (!checked.ok && checked.status === 409) {
    sendJson(res, 409, { error: checked.error })
    return
  }
  const schema = checked.schema ?? 'checked'
  sendJson(res, 200, {
    ok: checked.ok,
    schema,
    note: schemaUseText(schema),
    errors: checked.ok ? [] : (checked.errors ?? []),
  })
}

function streamEvents(res: ServerResponse, queue: ApprovalQueue): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  })
  res.write(`event: snapshot\ndata: ${JSON.stringify({ pending: queue.pending() })}\n\n`)
  const unsubscribe = queue.subscribe((event: QueueEvent) => {
    const data =
      event.type === 'added' ? { call: event.call } : { id: event.id, decision: event.decision }
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`)
  })
  // Proxies and browsers drop idle streams; a comment every 25 s keeps it open.
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 25_000)
  res.on('close', () => {
    clearInterval(keepAlive)
    unsubscribe()
  })
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value)
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(text),
    })
    .end(text)
}
