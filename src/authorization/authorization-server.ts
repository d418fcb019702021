// The bridge as an OAuth authorization server toward MCP clients (MCP 2025-11-25
// §Authorization, from the server side): discovery documents, registration, the consent page,
// tokens. Clients get their own short-lived tokens for one server or all, which the bridge
// alone accepts: they are never upstream tokens, and upstream tokens never reach a client.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { PageSessions } from '../web/sessions.js'
import { handleAuthorize } from './authorize-endpoint.js'
import { handleConsent } from './consent-route.js'
import { handleToken } from './token-endpoint.js'
import { ClientDirectory } from './client-directory.js'
import { CLIENTS_API, handleClientsApi, handleRevokeForm } from './clients-api.js'
import { REVOKE_FORM_PATH } from './clients-section.js'
import { groupByClient, type ConnectedClient } from './connected-clients.js'
import { CONSENT_PATH } from './consent-page.js'
import type { AuthorizationContext } from './context.js'
import { Grants } from './grants.js'
import {
  AS_METADATA_PATH,
  AUTHORIZE_PATH,
  PRM_PREFIX,
  REGISTER_PATH,
  TOKEN_PATH,
  authorizationServerMetadata,
  challenge,
  issuerOf,
  protectedResourceMetadata,
} from './metadata.js'
import { sendOAuthJson } from './oauth-json.js'
import { PendingAuthorizations } from './pending.js'
import { handleRegister } from './register-endpoint.js'
import { returnPathAfterLogin } from './return-path.js'
import { StateCopy, type AuthorizationStateStore } from './state.js'

export interface AuthorizationServerOptions {
  store: AuthorizationStateStore
  servers: () => string[]
  authorities: () => ReadonlySet<string>
  pageOrigin: () => string
  sessions: PageSessions
  accessRequired: () => boolean
  bridgeToken: () => string | undefined
}

/** The client a bridge-issued token belongs to. */
export interface ClientIdentity {
  clientId: string
  clientName: string
}

export interface AuthorizationServer {
  /** Answers the paths it owns (true), or leaves the request alone (false). */
  route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>
  /** The client behind the request's bearer token, when it is one of ours, valid, and reaches `server`. */
  identify(req: IncomingMessage, server: string): Promise<ClientIdentity | undefined>
  /** The WWW-Authenticate value of a 401 on /mcp/<server>. */
  challenge(req: IncomingMessage, server: string): string
  connectedClients(): Promise<ConnectedClient[]>
  /** After the owner signs in: the consent page of a request still waiting, if any. */
  afterLogin(req: IncomingMessage): string | undefined
  /** tokens.json was changed by another process. */
  invalidate(): void
}

export function createAuthorizationServer(
  options: AuthorizationServerOptions,
): AuthorizationServer {
  const state = new StateCopy(options.store)
  const grants = new Grants(state)
  const ctx: AuthorizationContext = {
    ...options,
    clients: new ClientDirectory(state),
    pending: new PendingAuthorizations(),
    grants,
  }
  return {
    async route(req, res, url) {
      const path = url.pathname
      const method = req.method
      if (method === 'GET' && path === AS_METADATA_PATH)
        sendOAuthJson(res, 200, authorizationServerMetadata(issuerOf(req)))
      else if (method === 'GET' && path.startsWith(`${PRM_PREFIX}/mcp/`)) {
        const server = /^\/mcp\/([A-Za-z0-9_-]+)\/?$/.exec(path.slice(PRM_PREFIX.length))?.[1]
        if (server && options.servers().includes(server))
          sendOAuthJson(res, 200, protectedResourceMetadata(issuerOf(req), server))
        else
          sendOAuthJson(res, 404, {
            error: `No server at ${path.slice(PRM_PREFIX.length)} on this bridge.`,
          })
      } else if (method === 'GET' && path === AUTHORIZE_PATH)
        await handleAuthorize(req, res, url, ctx)
      else if ((method === 'GET' || method === 'POST') && path === CONSENT_PATH)
        await handleConsent(req, res, url, ctx)
      else if (method === 'POST' && path === TOKEN_PATH) await handleToken(req, res, ctx)
      else if (method === 'POST' && path === REGISTER_PATH) await handleRegister(req, res, ctx)
      else if (path.startsWith(CLIENTS_API))
        await handleClientsApi(req, res, url, ctx, options.bridgeToken())
      else if (method === 'POST' && path === REVOKE_FORM_PATH) await handleRevokeForm(req, res, ctx)
      else return false
      return true
    },
    async identify(req, server) {
      const header = req.headers.authorization
      if (typeof header !== 'string' || !/^bearer /i.test(header)) return undefined
      const grant = await grants.verify(header.slice(7).trim(), server)
      return grant ? { clientId: grant.clientId, clientName: grant.clientName } : undefined
    },
    challenge: (req, server) =>
      challenge(issuerOf(req), server, req.headers.authorization !== undefined),
    connectedClients: async () => groupByClient(await grants.list()),
    afterLogin: (req) => returnPathAfterLogin(req, (id) => ctx.pending.get(id) !== undefined),
    invalidate: () => state.invalidate(),
  }
}
