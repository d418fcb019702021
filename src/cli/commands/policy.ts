// `policy <name> [<tool>] allow|ask|deny`: what happens to a tool call (the tool's rule wins,
// then the server's, then `ask`). A running bridge applies it at once.
import { getServer, updateConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import { isPolicy } from '../../config/schema.js'
import type { CliContext } from '../context.js'

export async function policyCommand(ctx: CliContext, name: string, toolOrPolicy: string, maybePolicy: string | undefined): Promise<void> {
  const tool = maybePolicy === undefined ? undefined : toolOrPolicy
  const policy = maybePolicy ?? toolOrPolicy
  if (!isPolicy(policy)) {
    throw new BridgeError('BAD_USAGE', `The policy must be allow, ask or deny, not ${quote(policy)}.`, {
      hint: 'Usage: mcp-oauth-bridge policy <name> [<tool>] allow|ask|deny',
    })
  }
  await updateConfig(ctx.paths, (config) => {
    const entry = getServer(config, name)
    if (tool === undefined) entry.policy = policy
    else entry.tools = { ...entry.tools, [tool]: policy }
  })
  ctx.out.success(tool === undefined
    ? `Tool calls to ${quote(name)} now default to ${policy}.`
    : `Calls to ${quote(tool)} on ${quote(name)} are now ${policy}.`)
}
