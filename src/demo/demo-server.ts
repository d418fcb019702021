// The OAuth-protected MCP server behind `mcp-oauth-bridge demo`, in-process on 127.0.0.1 and a
// free port. It plays a remote server and its authorization server on one origin, built only
// from the SDKs' server pieces, and knows nothing of the bridge: the bridge reaches it over HTTP
// the way it reaches any real server.
//
// Two SDKs: the MCP endpoint (both eras, the bearer check) is SDK v2; the authorization server
// is SDK 1.x's mcpAuthRouter, since SDK v2 has no authorization server (only the resource side).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ErrorRequestHandler, Request, Response } from 'express'
import { toNodeHandler } from '@modelcontextprotocol/node'
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/server'
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js'
import { mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js'
import { createConsentRoute } from './consent-route.js'
import { CONSENT_PATH } from './consent-requests.js'
import { DemoOAuthProvider } from './demo-oauth-provider.js'
import { createDemoMcpEndpoint } from './mcp-endpoint.js'

export const DEMO_RESOURCE_NAME = 'Demo MCP server'
const MCP_PATH = '/mcp'
const DEMO_SCOPES: Record<string, string> = {
  'mcp:tools': "list and call the Demo MCP server's tools",
}

export interface DemoServer {
  /** The MCP endpoint, and the resource (RFC 8707) its tokens are bound to. */
  mcpUrl: URL
  issuer: URL
  close(): Promise<void>
}

export async function startDemoServer(): Promise<DemoServer> {
  // Listen first: the issuer and the resource URL both contain the port the system picks.
  const httpServer = createServer()
  await listen(httpServer)
  const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`
  const issuer = new URL(`${origin}/`)
  const mcpUrl = new URL(MCP_PATH, origin)

  const provider = new DemoOAuthProvider({
    issuer,
    resource: mcpUrl,
    resourceName: DEMO_RESOURCE_NAME,
    scopes: DEMO_SCOPES,
  })
  const endpoint = createDemoMcpEndpoint({
    verifier: provider,
    resource: mcpUrl,
    requiredScopes: Object.keys(DEMO_SCOPES),
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl),
  })
  const serveMcp = toNodeHandler(endpoint)
  // SDK 1.x's app, for the router: it checks the Host header (DNS rebinding) of every request,
  // the MCP endpoint's too, and parses JSON bodies.
  const app = createMcpExpressApp()
  app.disable('x-powered-by')
  // Authorization server metadata (RFC 8414), /authorize, /token, /register, /revoke, and the
  // MCP endpoint's protected resource metadata (RFC 9728) at /.well-known/oauth-protected-resource/mcp.
  app.use(
    mcpAuthRouter({
      provider,
      issuerUrl: issuer,
      resourceServerUrl: mcpUrl,
      resourceName: DEMO_RESOURCE_NAME,
      scopesSupported: Object.keys(DEMO_SCOPES),
    }),
  )
  app.use(CONSENT_PATH, createConsentRoute({ provider, issuer }))
  // The body express already parsed is handed on, since the request stream is spent.
  app.all(MCP_PATH, (req: Request, res: Response) => void serveMcp(req, res, req.body))
  app.use(answerUnexpectedErrors)
  httpServer.on('request', app)

  return {
    mcpUrl,
    issuer,
    async close() {
      await endpoint.close()
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve())
        // Open SSE streams and keep-alive sockets would hold close() open.
        httpServer.closeAllConnections()
      })
    },
  }
}

/** Express would print a stack trace on stderr for a malformed body; a short answer is enough. */
const answerUnexpectedErrors: ErrorRequestHandler = (
  error: { status?: number; expose?: boolean; message?: string },
  _req,
  res,
  _next,
) => {
  if (res.headersSent) return
  const status =
    typeof error.status === 'number' && error.status >= 400 && error.status < 500
      ? error.status
      : 500
  res.status(status).json({
    error: status === 500 ? 'server_error' : 'invalid_request',
    error_description: error.expose ? error.message : 'The request could not be handled.',
  })
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
}
