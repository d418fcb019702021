// `token <name>`: prints a valid access token (refreshed first if needed), for callers that must
// hold the token themselves, such as the Messages API's `authorization_token`. It needs no running
// bridge: it reads the same encrypted store and takes the same per-server refresh lock, and a
// running bridge drops its cached token when tokens.json changes.
import { BridgeError } from '../../errors.js'
import { createTokenRefresh } from '../../oauth/refresh.js'
import { getAccessToken } from '../../tokens/access-token.js'
import { findRunningBridge } from '../../server/runtime-file.js'
import type { CliContext } from '../context.js'

export async function tokenCommand(ctx: CliContext, name: string): Promise<void> {
  let token: string
  try {
    token = await getAccessToken(name, {
      paths: ctx.paths,
      store: ctx.store,
      refresh: createTokenRefresh(),
    })
  } catch (error) {
    throw await withDashboardHint(ctx, error)
  }
  ctx.out.result(token)
}

/** When a login is needed and a bridge runs, its dashboard can do it too: name the running one's. */
async function withDashboardHint(ctx: CliContext, error: unknown): Promise<unknown> {
  if (!(error instanceof BridgeError) || error.code !== 'LOGIN_REQUIRED') return error
  const found = await findRunningBridge(ctx.paths).catch(() => undefined)
  if (found?.kind !== 'running') return error
  return new BridgeError(error.code, error.message, {
    hint: `${error.hint ?? ''}${error.hint ? ' ' : ''}Or press Re-authorize on the dashboard of the bridge running on port ${found.runtime.port}.`,
    cause: error,
  })
}
