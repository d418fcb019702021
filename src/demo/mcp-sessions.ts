// The demo MCP server's 2025-era leg: stateful Streamable HTTP (2025-11-25 transports §Session
// Management). initialize opens a session with its own transport and McpServer; every later
// request names the session in Mcp-Session-Id. 2026-07-28 requests never come here (see
// mcp-endpoint.ts).
import { randomUUID } from 'node:crypto'
import { WebStandardStreamableHTTPServerTransport, isInitializeRequest, type AuthInfo } from '@modelcontextprotocol/server'
import { createDemoMcpServer } from './demo-tools.js'

/** Enough for several clients and reconnects; a runaway client cannot exhaust memory. */
const MAX_SESSIONS = 100

export interface McpSessions {
  /** Answers one 2025-era request: POST, the GET stream or DELETE. */
  handle(request: Request, options: { parsedBody: unknown; authInfo: AuthInfo }): Promise<Response>
  closeAll(): Promise<void>
}

export function createMcpSessions(): McpSessions {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>()
  return {
    async handle(request, options) {
      const sessionId = request.headers.get('mcp-session-id') ?? undefined
      const existing = sessionId === undefined ? undefined : sessions.get(sessionId)
      if (existing) return existing.handleRequest(request, options)
      if (sessionId !== undefined) {
        // An unknown session is 404, which tells the client to initialize again.
        return jsonRpcError(404, -32001, 'Session not found: initialize a new session.')
      }
      const body = options.parsedBody ?? (await request.clone().json().catch(() => undefined))
      if (request.method !== 'POST' || !isInitializeRequest(body)) {
        return jsonRpcError(400, -32000, 'No session yet: send an initialize request first.')
      }
      if (sessions.size >= MAX_SESSIONS) {
        return jsonRpcError(503, -32000, `Too many open sessions (${MAX_SESSIONS}); close some with DELETE first.`)
      }
      const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => void sessions.set(id, transport),
      })
      transport.onclose = () => {
        if (transport.sessionId !== undefined) sessions.delete(transport.sessionId)
      }
      await createDemoMcpServer().connect(transport)
      return transport.handleRequest(request, { ...options, parsedBody: body })
    },
    async closeAll() {
      const open = [...sessions.values()]
      sessions.clear()
      await Promise.all(open.map((transport) => transport.close().catch(() => undefined)))
    },
  }
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status })
}
