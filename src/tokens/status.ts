// A server's login state in words and fields, for `list`, the dashboard and `doctor`.
import type { ServerEntry } from '../config/schema.js'
import type { ServerSecrets } from './store.js'

export interface ServerStatus {
  name: string
  url: string
  auth: ServerEntry['auth']
  state: 'ready' | 'expired' | 'login-required' | 'no-token' | 'open'
  detail: string
  expiresAt: string | null
  policy: string
  tools: Record<string, string>
}

export function describeServer(
  name: string,
  entry: ServerEntry,
  secrets: ServerSecrets | undefined,
  now: number,
): ServerStatus {
  const tokens = secrets?.tokens
  let state: ServerStatus['state']
  let detail: string
  if (entry.auth === 'none') {
    state = 'open'
    detail = secrets?.headers ? 'static headers' : 'no authorization needed'
  } else if (secrets?.loginRequired) {
    state = 'login-required'
    detail = `login required: ${secrets.loginRequired.reason}`
  } else if (!tokens) {
    state = 'no-token'
    detail = 'not logged in'
  } else if (tokens.expires_at !== undefined && tokens.expires_at <= now) {
    state = 'expired'
    detail =
      tokens.refresh_token || entry.auth === 'client_credentials'
        ? 'expired (renewed on next use)'
        : 'expired (login required)'
  } else {
    state = 'ready'
    detail =
      tokens.expires_at === undefined
        ? 'valid (no expiry given)'
        : `valid for ${formatDuration(tokens.expires_at - now)}`
  }
  return {
    name,
    url: entry.url,
    auth: entry.auth,
    state,
    detail,
    expiresAt: tokens?.expires_at !== undefined ? new Date(tokens.expires_at).toISOString() : null,
    policy: entry.policy ?? 'ask',
    tools: Object.fromEntries(
      Object.entries(entry.tools ?? {}).map(([tool, rule]) => [
        tool,
        typeof rule === 'string' ? rule : rule.policy,
      ]),
    ),
  }
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  if (seconds < 90) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 90) return `${minutes} min`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`
}
