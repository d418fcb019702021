// The demo MCP server's 2025-era leg: stateful Streamable HTTP (2025-11-25 transports §Session
// Management). initialize opens a session with its own transport and McpServer; every later
// request names the session in Mcp-Session-Id. 2026-07-28 requests never come here (see
// mcp-endpoint.ts). A session belongs to the OAuth client whose token opened it, and ends after
// half an hour without a request: a client that quits without DELETE (most do) leaves nothing.
import { randomUUID } from 'node:crypto'
import {
  WebStandardStreamableHTTPServerTransport,
  isInitializeRequest,
  type AuthInfo,
} from '@modelcontextprotocol/server'
import { command } from '../cli/commands-named.js'
import { createDemoMcpServer } from './demo-tools.js'

/** Enough for several clients and reconnects; a runaway client cannot exhaust memory. */
const MAX_SESSIONS = 100
const IDLE_MS = 30 * 60_000
/** How often idle sessions are looked for when no request comes in to do it. */
const SWEEP_EVERY_MS = 60_000

export interface McpSessionsOptions {
  /** Open sessions at most (initializes still under way count too). */
  maxSessions?: number
  /** A session without a request for this long is closed. */
  idleMs?: number
  /** The clock idle time is measured by; tests pass their own. */
  now?: () => number
}

export interface McpSessions {
  /** Answers one 2025-era request: POST, the GET stream or DELETE. */
  handle(request: Request, options: { parsedBody: unknown; authInfo: AuthInfo }): Promise<Response>
  /** Transports open, initialized or not (for tests and diagnostics). */
  openCount(): number
  closeAll(): Promise<void>
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport
  clientId: string
  lastUsed: number
}

export function createMcpSessions(options: McpSessionsOptions = {}): McpSessions {
  const maxSessions = options.maxSessions ?? MAX_SESSIONS
  const idleMs = options.idleMs ?? IDLE_MS
  const now = options.now ?? Date.now
  const sessions = new Map<string, Session>()
  // Every transport until it closes, so one whose initialize failed is counted and closed too.
  const open = new Set<WebStandardStreamableHTTPServerTransport>()

  const sweep = () => {
    const cutoff = now() - idleMs
    for (const [id, session] of sessions) {
      if (session.lastUsed > cutoff) continue
      sessions.delete(id)
      void session.transport.close().catch(() => undefined)
    }
  }
  const sweeper = setInterval(sweep, Math.min(SWEEP_EVERY_MS, idleMs))
  sweeper.unref()

  const initialize = async (
    request: Request,
    body: unknown,
    authInfo: AuthInfo,
  ): Promise<Response> => {
    const transport: WebStandardStreamableHTTPServerTransport =
      new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) =>
          void sessions.set(id, { transport, clientId: authInfo.clientId, lastUsed: now() }),
      })
    open.add(transport)
    transport.onclose = () => {
      open.delete(transport)
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId)
    }
    await createDemoMcpServer().connect(transport)
    const response = await transport
      .handleRequest(request, { parsedBody: body, authInfo })
      .catch((error: unknown) => {
        void transport.close().catch(() => undefined)
        throw error
      })
    // Refused before a session began (a wrong Accept header, a malformed initialize): nobody can
    // name this transport again, so it is closed now.
    if (transport.sessionId === undefined || !sessions.has(transport.sessionId))
      await transport.close().catch(() => undefined)
    return response
  }

  return {
    async handle(request, { parsedBody, authInfo }) {
      sweep()
      const sessionId = request.headers.get('mcp-session-id') ?? undefined
      const existing = sessionId === undefined ? undefined : sessions.get(sessionId)
      if (existing) {
        // A session id alone does not carry a client's rights: the token must be the same client's.
        if (existing.clientId !== authInfo.clientId)
          return jsonRpcError(
            403,
            -32000,
            'This session was opened by another client: initialize a session of your own.',
          )
        existing.lastUsed = now()
        return existing.transport.handleRequest(request, { parsedBody, authInfo })
      }
      if (sessionId !== undefined) {
        // An unknown session is 404, which tells the client to initialize again.
        return jsonRpcError(404, -32001, 'Session not found: initialize a new session.')
      }
      const body =
        parsedBody ??
        (await request
          .clone()
          .json()
          .catch(() => undefined))
      if (request.method !== 'POST' || !isInitializeRequest(body)) {
        return jsonRpcError(400, -32000, 'No session yet: send an initialize request first.')
      }
      if (open.size >= maxSessions) {
        return jsonRpcError(
          503,
          -32000,
          `The demo server has ${maxSessions} sessions open, the most it keeps. Sessions close after ${Math.round(idleMs / 60_000)} minutes without a request; to start fresh now, stop the demo (Ctrl-C) and run \`${command('demo')}\` again.`,
        )
      }
      return initialize(request, body, authInfo)
    },
    openCount: () => open.size,
    async closeAll() {
      clearInterval(sweeper)
      const all = [...open]
      sessions.clear()
      await Promise.all(all.map((transport) => transport.close().catch(() => undefined)))
    },
  }
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status })
}
