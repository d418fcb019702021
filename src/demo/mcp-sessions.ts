// Stateful Streamable HTTP for the demo MCP server: initialize opens a session with its own
// transport and McpServer; every later request names the session in Mcp-Session-Id.
import { randomUUID } from 'node:crypto'
import type { Request, RequestHandler, Response } from 'express'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import { createDemoMcpServer } from './demo-tools.js'

/** Enough for several clients and reconnects; a runaway client cannot exhaust memory. */
const MAX_SESSIONS = 100

export interface McpSessions {
  handler: RequestHandler
  closeAll(): Promise<void>
}

export function createMcpSessions(): McpSessions {
  const sessions = new Map<string, StreamableHTTPServerTransport>()
  const handler: RequestHandler = (req, res) => {
    void routeToSession(req, res, sessions).catch(() => {
      if (!res.headersSent) res.status(500).json(jsonRpcError(-32603, 'The demo MCP server failed to handle the request.'))
    })
  }
  return {
    handler,
    async closeAll() {
      const open = [...sessions.values()]
      sessions.clear()
      await Promise.all(open.map((transport) => transport.close().catch(() => undefined)))
    },
  }
}

async function routeToSession(req: Request, res: Response, sessions: Map<string, StreamableHTTPServerTransport>): Promise<void> {
  const sessionId = req.header('mcp-session-id')
  const existing = sessionId === undefined ? undefined : sessions.get(sessionId)
  if (existing) {
    await existing.handleRequest(req, res, req.body)
    return
  }
  if (sessionId !== undefined) {
    // Streamable HTTP: an unknown session is 404, which tells the client to initialize again.
    res.status(404).json(jsonRpcError(-32001, 'Session not found: initialize a new session.'))
    return
  }
  if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
    res.status(400).json(jsonRpcError(-32000, 'No session yet: send an initialize request first.'))
    return
  }
  if (sessions.size >= MAX_SESSIONS) {
    res.status(503).json(jsonRpcError(-32000, `Too many open sessions (${MAX_SESSIONS}); close some with DELETE first.`))
    return
  }
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    onsessioninitialized: (id) => void sessions.set(id, transport),
  })
  transport.onclose = () => {
    if (transport.sessionId !== undefined) sessions.delete(transport.sessionId)
  }
  await createDemoMcpServer().connect(transport)
  await transport.handleRequest(req, res, req.body)
}

function jsonRpcError(code: number, message: string): object {
  return { jsonrpc: '2.0', error: { code, message }, id: null }
}
