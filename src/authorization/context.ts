// What the authorization server's routes share.
import type { PageSessions } from '../web/sessions.js'
import type { ClientDirectory } from './client-directory.js'
import type { Grants } from './grants.js'
import type { PendingAuthorizations } from './pending.js'

export interface AuthorizationContext {
  clients: ClientDirectory
  pending: PendingAuthorizations
  grants: Grants
  /** The configured server names: a grant can name only one of them (or all). */
  servers: () => string[]
  /** The bridge's own Host values (127.0.0.1, localhost, [::1] with its port). */
  authorities: () => ReadonlySet<string>
  /** Where the pages live (the login link's origin, so the session cookie is there). */
  pageOrigin: () => string
  sessions: PageSessions
  /** False with --no-auth: the pages need no sign-in then. */
  accessRequired: () => boolean
}
