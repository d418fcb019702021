// `approvals [--json]`, `approvals approve|deny <id> [...]` and `approvals watch [--json]`: the
// held calls of the running bridge, listed, decided or followed live from the terminal, for
// people without a browser at hand.
import { readConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import { decideHeld, listPending, type ApprovalsClient } from '../approvals-client.js'
import { bridgeHeaders, locateBridge } from '../bridge-client.js'
import type { CliContext } from '../context.js'
import { formatDuration } from '../../tokens/status.js'
import { terminalLine } from '../terminal-text.js'
import { parseDuration } from '../../approvals/rules/duration.js'
import { parseArgsOption } from '../args-option.js'
import { command } from '../commands-named.js'

// Each form with all its options: after a slip, this is all a person sees of the command. The
// later lines line up under the first one's command, which is printed after "✖ ".
const USAGE = [
  `Usage: ${command('approvals [--json]')}`,
  `         ${command("approvals approve <id> [--always | --for <duration>] [--args '<json>']")}`,
  `         ${command('approvals deny <id>')}`,
  `         ${command('approvals watch [--json]')}`,
  '  Each also takes --port <port>: the port of the bridge to talk to, if not the running one.',
].join('\n')

export async function approvalsCommand(
  ctx: CliContext,
  action: string | undefined,
  id: string | undefined,
  options: { port?: number; always?: boolean; json?: boolean; args?: string; for?: string },
): Promise<void> {
  if (action !== undefined && action !== 'approve' && action !== 'deny' && action !== 'watch')
    throw new BridgeError('BAD_USAGE', USAGE)
  if (action === 'watch' && (id !== undefined || options.always)) {
    throw new BridgeError(
      'BAD_USAGE',
      `${USAGE}\n  watch asks about each call as it arrives; it takes no id and no --always (answer "a" to always allow).`,
    )
  }
  if ((action === 'approve' || action === 'deny') && !id) throw new BridgeError('BAD_USAGE', USAGE)
  if (options.args !== undefined && action !== 'approve')
    throw new BridgeError(
      'BAD_USAGE',
      `${USAGE}\n  --args goes with approve <id>: the arguments the call runs with instead of the client's.`,
    )
  if (options.for !== undefined && (action !== 'approve' || options.always))
    throw new BridgeError(
      'BAD_USAGE',
      `${USAGE}\n  --for goes with approve <id> (not with --always): the tool runs without asking for that long, e.g. --for 1h.`,
    )
  // Checked before anything is sent: a bad duration decides nothing.
  const forSeconds = options.for !== undefined ? parseDuration(options.for) : undefined
  const edited =
    options.args !== undefined ? { arguments: parseArgsOption(options.args) } : undefined

  const config = await readConfig(ctx.paths)
  const location = await locateBridge(ctx.paths, {
    config,
    ...(options.port !== undefined ? { port: options.port } : {}),
  })
  const client: ApprovalsClient = { location, headers: await bridgeHeaders(ctx.paths, config) }

  if (action === 'watch') {
    // Loaded on use: only the watch needs the stream, the prompt and the key reader.
    await (
      await import('./approvals-watch.js')
    ).watchApprovals(ctx, client, { json: options.json === true })
    return
  }
  if (action === undefined) {
    const pending = await listPending(client)
    if (options.json) {
      ctx.out.result(JSON.stringify(pending, null, 2))
      return
    }
    if (pending.length === 0) {
      ctx.out.result('No calls are waiting for approval.')
      return
    }
    for (const held of pending) {
      ctx.out.result(
        `${held.id}  ${terminalLine(held.server)} › ${terminalLine(held.tool)}  waiting ${formatDuration(Date.now() - held.createdAt)}${held.client ? `  from ${terminalLine(held.client)}` : ''}`,
      )
      ctx.out.result(`    arguments: ${terminalLine(JSON.stringify(held.arguments))}`)
      if (held.changedSinceApproval)
        ctx.out.result('    note: this tool changed since it was always-allowed; it asks again')
    }
    ctx.out.progress(
      'Decide with: mcp-oauth-bridge approvals approve <id>  (or deny <id>), or answer each as it comes with: mcp-oauth-bridge approvals watch',
    )
    return
  }
  await decideHeld(client, id as string, action, options.always === true, edited, forSeconds)
  ctx.out.success(
    `${action === 'approve' ? 'Approved' : 'Denied'} ${quote(id)}${edited ? ' with the edited arguments' : ''}${options.always && action === 'approve' ? ' (and always allowed from now on)' : ''}${forSeconds !== undefined ? ` (and allowed without asking for ${options.for})` : ''}.`,
  )
}
