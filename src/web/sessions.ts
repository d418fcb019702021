// Who may see the bridge's pages. `start` prints a one-time login link; opening it trades the
// link's nonce for an HttpOnly, SameSite=Strict session cookie, so the credential never stays
// in the URL or reaches page scripts, and other sites cannot ride on it. Each session also has
// a CSRF token that every form must send back.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { constantTimeEqual } from './constant-time.js'

export const SESSION_COOKIE = 'mcp_oauth_bridge_session'

interface PageSession {
  csrf: string
  createdAt: number
}

export class PageSessions {
  readonly #loginNonces = new Set<string>()
  readonly #sessions = new Map<string, PageSession>()
  // Without sessions (--no-auth) forms still need a secret another site cannot know.
  readonly #openModeCsrf = randomBytes(24).toString('base64url')

  /** The CSRF token of the page this request may see, or undefined when it must log in first. */
  csrfFor(req: IncomingMessage, accessRequired: boolean): string | undefined {
    if (!accessRequired) return this.#openModeCsrf
    return this.sessionOf(req)?.csrf
  }

  /** A new one-time login nonce for the link `start` prints. */
  issueLoginNonce(): string {
    const nonce = randomBytes(24).toString('base64url')
    this.#loginNonces.add(nonce)
    return nonce
  }

  /** Spends a login nonce; returns the new session id, or undefined when the nonce is unknown or used. */
  redeem(nonce: string): string | undefined {
    const known = [...this.#loginNonces].find((candidate) => constantTimeEqual(candidate, nonce))
    if (!known) return undefined
    this.#loginNonces.delete(known)
    const id = randomBytes(32).toString('base64url')
    this.#sessions.set(id, { csrf: randomBytes(24).toString('base64url'), createdAt: Date.now() })
    return id
  }

  sessionOf(req: IncomingMessage): PageSession | undefined {
    const id = readCookie(req, SESSION_COOKIE)
    return id === undefined ? undefined : this.#sessions.get(id)
  }
}

export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}
