// `login <name>`: a fresh login for a configured server (new scopes, a refused refresh token).
import { getServer, readConfig, updateConfig } from '../../config/store.js'
import { quote } from '../../errors.js'
import type { CliContext } from '../context.js'
import { terminalFlowIo } from '../flow-io.js'

export async function loginCommand(
  ctx: CliContext,
  name: string,
  options: { browser: boolean; device?: boolean; scope?: string },
): Promise<void> {
  const config = await readConfig(ctx.paths)
  const entry = { ...getServer(config, name), ...(options.scope ? { scope: options.scope } : {}) }
  const store = ctx.store
  const io = terminalFlowIo(ctx, { browser: options.browser })
  let callbackPort: number | undefined
  try {
    const result = await ctx.logins.logIn({
      name,
      entry,
      store,
      io,
      ...(options.device ? { device: true } : {}),
    })
    if (result.kind === 'open') {
      ctx.out.success(`${quote(name)} answers without authorization: nothing to log in to.`)
      return
    }
    callbackPort = result.callbackPort
  } finally {
    io.close()
  }
  // A server first added as open, or a new --scope, is remembered for the next refresh and login.
  await updateConfig(ctx.paths, (current) => {
    const saved = current.servers[name]
    if (!saved) return
    if (saved.auth === 'none') saved.auth = 'oauth'
    if (saved.callbackPort === undefined && callbackPort) saved.callbackPort = callbackPort
    if (options.scope) saved.scope = options.scope
  })
  ctx.out.success(`Logged in to ${quote(name)}. A running bridge uses the new token at once.`)
}
