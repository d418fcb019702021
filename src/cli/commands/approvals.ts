// `approvals [approve|deny <id>] [--always]`: the held calls of the running bridge, decided from
// the terminal for people without a browser at hand.
import { readConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import type { PendingCall } from '../../approvals/queue.js'
import { bridgeHeaders, bridgeOrigin, describeLocation, locateBridge, type BridgeLocation } from '../bridge-client.js'
import type { CliContext } from '../context.js'
import { formatDuration } from '../../tokens/status.js'

export async function approvalsCommand(
  ctx: CliContext,
  action: string | undefined,
  id: string | undefined,
  options: { port?: number; always?: boolean; json?: boolean },
): Promise<void> {
  const config = await readConfig(ctx.paths)
  const location = await locateBridge(ctx.paths, { config, ...(options.port !== undefined ? { port: options.port } : {}) })
  const headers = await bridgeHeaders(ctx.paths, config)

  if (action === undefined) {
    const { pending } = (await call(location, '/approvals/api/pending', { headers })) as { pending: PendingCall[] }
    if (options.json) {
      ctx.out.result(JSON.stringify(pending, null, 2))
      return
    }
    if (pending.length === 0) {
      ctx.out.result('No calls are waiting for approval.')
      return
    }
    for (const held of pending) {
      ctx.out.result(`${held.id}  ${held.server} › ${held.tool}  waiting ${formatDuration(Date.now() - held.createdAt)}${held.client ? `  from ${held.client}` : ''}`)
      ctx.out.result(`    arguments: ${JSON.stringify(held.arguments)}`)
      if (held.changedSinceApproval) ctx.out.result('    note: this tool changed since it was always-allowed; it asks again')
    }
    ctx.out.progress('Decide with: mcp-oauth-bridge approvals approve <id>  (or deny <id>)')
    return
  }
  if ((action !== 'approve' && action !== 'deny') || !id) {
    throw new BridgeError('BAD_USAGE', 'Usage: mcp-oauth-bridge approvals [approve|deny <id>] [--always]')
  }
  await call(location, '/approvals/api/decide', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ id, decision: action, always: options.always === true }),
  })
  ctx.out.success(`${action === 'approve' ? 'Approved' : 'Denied'} ${quote(id)}${options.always && action === 'approve' ? ' (and always allowed from now on)' : ''}.`)
}

async function call(location: BridgeLocation, path: string, init: RequestInit): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`${bridgeOrigin(location)}${path}`, { ...init, signal: AbortSignal.timeout(10_000) })
  } catch {
    throw new BridgeError('UPSTREAM_FAILED', `No bridge is answering on ${describeLocation(location)}.`, {
      hint: location.source === 'flag'
        ? 'Check the port the bridge printed when it started, or leave --port out to use the running one.'
        : 'Start it with `mcp-oauth-bridge start` (or pass --port if it listens elsewhere).',
    })
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string }
  if (!response.ok) {
    throw new BridgeError(response.status === 409 ? 'NOT_PENDING' : 'UPSTREAM_FAILED', `The bridge refused: ${body.error ?? `HTTP ${response.status}`}`)
  }
  return body
}
