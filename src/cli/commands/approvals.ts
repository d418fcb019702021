// `approvals [approve|deny <id>] [--always]`: the held calls of the running bridge, decided from
// the terminal for people without a browser at hand.
import { readConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import type { PendingCall } from '../../approvals/queue.js'
import { bridgeHeaders } from '../bridge-client.js'
import type { CliContext } from '../context.js'
import { formatDuration } from '../../tokens/status.js'

export async function approvalsCommand(
  ctx: CliContext,
  action: string | undefined,
  id: string | undefined,
  options: { port?: string; always?: boolean; json?: boolean },
): Promise<void> {
  const config = await readConfig(ctx.paths)
  const base = `http://127.0.0.1:${options.port ?? config.port}`
  const headers = await bridgeHeaders(ctx.paths)

  if (action === undefined) {
    const { pending } = (await call(base, '/approvals/api/pending', { headers })) as { pending: PendingCall[] }
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
  await call(base, '/approvals/api/decide', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ id, decision: action, always: options.always === true }),
  })
  ctx.out.success(`${action === 'approve' ? 'Approved' : 'Denied'} ${quote(id)}${options.always && action === 'approve' ? ' (and always allowed from now on)' : ''}.`)
}

async function call(base: string, path: string, init: RequestInit): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) })
  } catch {
    throw new BridgeError('UPSTREAM_FAILED', `No bridge is answering at ${base}.`, {
      hint: 'Start it with `mcp-oauth-bridge start` (or pass --port if it listens elsewhere).',
    })
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string }
  if (!response.ok) {
    throw new BridgeError(response.status === 409 ? 'NOT_PENDING' : 'UPSTREAM_FAILED', `The bridge refused: ${body.error ?? `HTTP ${response.status}`}`)
  }
  return body
}
