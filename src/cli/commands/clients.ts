// `clients [revoke <id>] [--json]`: the MCP clients that logged in to the bridge itself, and
// revoking one, through the running bridge (with the bridge access token, like `approvals`).
// `clients login-link` prints a fresh one-time dashboard link, for a consent page waiting for
// a sign-in when the link `start` printed was used already.
import { readConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import { describeReach, type ConnectedClient } from '../../authorization/connected-clients.js'
import { bridgeHeaders, locateBridge } from '../bridge-client.js'
import { callBridge as call, requestLoginLink } from '../bridge-api.js'
import type { CliContext } from '../context.js'
import { formatDuration } from '../../tokens/status.js'

const USAGE = 'Usage: mcp-oauth-bridge clients [revoke <client-id> | login-link] [--json]'

export async function clientsCommand(
  ctx: CliContext,
  action: string | undefined,
  id: string | undefined,
  options: { port?: number; json?: boolean },
): Promise<void> {
  const config = await readConfig(ctx.paths)
  const location = await locateBridge(ctx.paths, {
    config,
    ...(options.port !== undefined ? { port: options.port } : {}),
  })
  const headers = await bridgeHeaders(ctx.paths, config)
  if (action === undefined) {
    const { clients } = (await call(location, '/clients/api/list', { headers })) as {
      clients: ConnectedClient[]
    }
    if (options.json) return ctx.out.result(JSON.stringify(clients, null, 2))
    if (clients.length === 0)
      return ctx.out.result(
        'No client has logged in to the bridge. (Clients using the bridge token from `connect --token` are not listed.)',
      )
    for (const client of clients) {
      const used = client.lastUsedAt
        ? `last used ${formatDuration(Date.now() - client.lastUsedAt)} ago`
        : 'not used yet'
      ctx.out.result(`${client.clientName}  ${describeReach(client.servers)}  ${used}`)
      ctx.out.result(`    id: ${client.clientId}`)
    }
    return ctx.out.progress('Revoke one with: mcp-oauth-bridge clients revoke <id>')
  }
  if (action === 'revoke' && id) {
    const { revoked } = (await call(location, '/clients/api/revoke', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: id }),
    })) as { revoked: number }
    if (options.json) return ctx.out.result(JSON.stringify({ revoked }))
    return ctx.out.success(
      `Revoked ${quote(id)}: its next request is refused, and it must ask on the consent page again.`,
    )
  }
  if (action === 'login-link' && !id) {
    const link = await requestLoginLink(location, headers)
    if (options.json) return ctx.out.result(JSON.stringify({ link }))
    ctx.out.result(link)
    return ctx.out.progress(
      'Open it in the browser that shows the consent page; a waiting request continues there.',
    )
  }
  throw new BridgeError('BAD_USAGE', USAGE)
}
