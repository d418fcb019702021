// Clients that log in to the bridge itself get their own tokens; the static bridge token stays the simple path.
import {
  createAuthorizationServer,
  type AuthorizationServer,
} from '../../authorization/authorization-server.js'
import type { PageSessions } from '../../web/sessions.js'
import type { WiringContext } from './context.js'

export function bridgeAuthorization(
  { live, store }: WiringContext,
  sessions: PageSessions,
): AuthorizationServer {
  return createAuthorizationServer({
    store,
    servers: () => Object.keys(live.config.servers),
    authorities: () => live.authorities,
    pageOrigin: () => live.pageOrigin,
    sessions,
    accessRequired: () => live.bridgeToken !== undefined,
    bridgeToken: () => live.bridgeToken,
  })
}
