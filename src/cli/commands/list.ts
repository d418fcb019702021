// `list [--json]`: servers, URL, token state and expiry, policy.
import { readConfig } from '../../config/store.js'
import { EncryptedFileTokenStore, type ServerSecrets } from '../../tokens/store.js'
import type { ServerEntry } from '../../config/schema.js'
import type { CliContext } from '../context.js'

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

export function describeServer(name: string, entry: ServerEntry, secrets: ServerSecrets | undefined, now: number): ServerStatus {
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
    detail = tokens.refresh_token || entry.auth === 'client_credentials' ? 'expired (renewed on next use)' : 'expired (login required)'
  } else {
    state = 'ready'
    detail = tokens.expires_at === undefined ? 'valid (no expiry given)' : `valid for ${formatDuration(tokens.expires_at - now)}`
  }
  return {
    name,
    url: entry.url,
    auth: entry.auth,
    state,
    detail,
    expiresAt: tokens?.expires_at !== undefined ? new Date(tokens.expires_at).toISOString() : null,
    policy: entry.policy ?? 'ask',
    tools: entry.tools ?? {},
  }
}

export async function listCommand(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  const config = await readConfig(ctx.paths)
  const secrets = await new EncryptedFileTokenStore(ctx.paths).all()
  const now = Date.now()
  const rows = Object.entries(config.servers).map(([name, entry]) => describeServer(name, entry, secrets[name], now))
  if (options.json) {
    ctx.out.result(JSON.stringify(rows, null, 2))
    return
  }
  if (rows.length === 0) {
    ctx.out.result('No servers yet. Add one with: mcp-oauth-bridge add <name> <url>')
    return
  }
  const table = [['NAME', 'URL', 'TOKEN', 'POLICY'], ...rows.map((row) => [
    row.name,
    row.url,
    row.detail,
    row.policy + (Object.keys(row.tools).length ? ` (+${Object.keys(row.tools).length} tool rules)` : ''),
  ])]
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)))
  for (const line of table) ctx.out.result(line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd())
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  if (seconds < 90) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 90) return `${minutes} min`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`
}
