// The demo's MCP endpoint as one web-standard handler: the bearer check, then each request to
// the era it belongs to. 2026-07-28 requests (a `_meta` protocol version on every request,
// server/discover, no sessions) go to the SDK's per-request handler; 2025-era requests
// (initialize, Mcp-Session-Id) to sessions of their own. Both serve the same tools.
import {
  createMcpHandler,
  isLegacyRequest,
  requireBearerAuth,
  type McpHandlerRequestOptions,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server'
import { createDemoMcpServer } from './demo-tools.js'
import { createMcpSessions } from './mcp-sessions.js'

export interface DemoMcpEndpointOptions {
  verifier: OAuthTokenVerifier
  /** The MCP endpoint's URL: the resource (RFC 8707) its tokens must be bound to. */
  resource: URL
  requiredScopes: string[]
  /** Named in the 401's WWW-Authenticate, where a client starts discovery (RFC 9728 §5.1). */
  resourceMetadataUrl: string
}

export interface DemoMcpEndpoint {
  fetch(request: Request, options?: McpHandlerRequestOptions): Promise<Response>
  close(): Promise<void>
}

export function createDemoMcpEndpoint(options: DemoMcpEndpointOptions): DemoMcpEndpoint {
  const checkBearer = requireBearerAuth({
    verifier: options.verifier,
    requiredScopes: options.requiredScopes,
    resourceMetadataUrl: options.resourceMetadataUrl,
    // A token minted for another resource is refused even if this server issued it.
    expectedResource: options.resource,
  })
  // 'reject': 2025-era requests never reach it; they are routed to the sessions below first, so
  // 2025 clients keep initialize and Mcp-Session-Id rather than the SDK's stateless fallback.
  const modern = createMcpHandler(createDemoMcpServer, { legacy: 'reject' })
  const sessions = createMcpSessions()
  return {
    async fetch(request, { parsedBody } = {}) {
      // Before anything is parsed or served: an unauthorized request learns only where to log in.
      const authInfo = await checkBearer(request)
      if (authInfo instanceof Response) return authInfo
      if (await isLegacyRequest(request, parsedBody))
        return sessions.handle(request, { parsedBody, authInfo })
      return modern.fetch(request, {
        authInfo,
        ...(parsedBody === undefined ? {} : { parsedBody }),
      })
    },
    async close() {
      await Promise.all([sessions.closeAll(), modern.close()])
    },
  }
}
