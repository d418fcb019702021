// The benchmark's upstream: a real MCP server from @modelcontextprotocol/sdk (McpServer +
// StreamableHTTPServerTransport, stateful) on 127.0.0.1, running inside the bench process so
// the `stream` tool's send times and the client's receive times share one performance.now().
//
//   /mcp      answers with plain JSON (enableJsonResponse: true)
//   /mcp-sse  answers every POST over SSE
//
// Both paths require `Authorization: Bearer <token>` and answer 401 with a Bearer challenge
// otherwise. Tools: `echo` (instant) and `stream` (`count` progress notifications, `delayMs`
// apart, on the request's SSE stream; the send time of each is handed to `onStreamSend`).

import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { z } from 'zod'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * @param {{ token: string, onStreamSend: (progressToken: string|number, index: number, at: number) => void }} options
 * @returns {Promise<{ origin: string, close: () => Promise<void> }>}
 */
export async function startUpstream({ token, onStreamSend }) {
  const expected = `Bearer ${token}`
  const sessions = { json: new Map(), sse: new Map() }

  function buildMcpServer() {
    const mcp = new McpServer(
      { name: 'bench-upstream', version: '1.0.0' },
      { capabilities: { logging: {} } },
    )
    mcp.registerTool(
      'echo',
      {
        description: 'Returns its argument.',
        inputSchema: { text: z.string() },
      },
      async ({ text }) => ({ content: [{ type: 'text', text }] }),
    )
    mcp.registerTool(
      'stream',
      {
        description: 'Sends `count` progress notifications, `delayMs` apart, then answers.',
        inputSchema: {
          count: z.number().int().min(1).max(10_000),
          delayMs: z.number().min(0).max(1_000),
        },
      },
      async ({ count, delayMs }, extra) => {
        const progressToken = extra._meta?.progressToken
        for (let index = 1; index <= count; index++) {
          await sleep(delayMs)
          if (progressToken === undefined) continue
          onStreamSend(progressToken, index, performance.now())
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: index, total: count },
          })
        }
        return { content: [{ type: 'text', text: `sent ${count}` }] }
      },
    )
    return mcp
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error?.message ?? error))
      else res.destroy()
    })
  })

  async function handle(req, res) {
    const mode = req.url === '/mcp' ? 'json' : req.url === '/mcp-sse' ? 'sse' : undefined
    if (!mode) {
      req.resume()
      res.writeHead(404).end()
      return
    }
    if (req.headers.authorization !== expected) {
      req.resume()
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32001, message: 'Unauthorized' },
      })
      res
        .writeHead(401, {
          'www-authenticate': 'Bearer error="invalid_token"',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        })
        .end(body)
      return
    }
    const map = sessions[mode]
    const sessionId = req.headers['mcp-session-id']
    let transport = typeof sessionId === 'string' ? map.get(sessionId) : undefined
    if (typeof sessionId === 'string' && !transport) {
      req.resume()
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}')
      return
    }
    if (!transport) {
      // No session yet: the transport itself rejects anything but an initialize POST.
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: mode === 'json',
        onsessioninitialized: (id) => {
          map.set(id, created)
        },
      })
      created.onclose = () => {
        if (created.sessionId) map.delete(created.sessionId)
      }
      await buildMcpServer().connect(created)
      transport = created
    }
    await transport.handleRequest(req, res)
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  server.keepAliveTimeout = 65_000
  const { port } = server.address()
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const map of Object.values(sessions))
        for (const transport of map.values()) await transport.close().catch(() => undefined)
      server.closeAllConnections()
      await new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
