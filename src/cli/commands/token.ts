// `token <name>`: prints a valid access token (refreshed first if needed), for callers that must
// hold the token themselves, such as the Messages API's `authorization_token`. It needs no running
// bridge: it reads the same encrypted store and takes the same per-server refresh lock, and a
// running bridge drops its cached token when tokens.json changes.
import { getServer, readConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import { TokenManager } from '../../tokens/manager.js'
import { EncryptedFileTokenStore } from '../../tokens/store.js'
import { findRunningBridge } from '../../server/runtime-file.js'
import type { CliContext } from '../context.js'

export async function tokenCommand(ctx: CliContext, name: string): Promise<void> {
  let token: string
  try {
    token = await getAccessTokenFor(ctx.paths, name)
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

export async function getAccessTokenFor(paths: CliContext['paths'], name: string): Promise<string> {
  const config = await readConfig(paths)
  const entry = getServer(config, name)
  if (entry.auth === 'none') {
    throw new BridgeError('BAD_USAGE', `${quote(name)} needs no OAuth token (it was added without authorization).`)
  }
  const manager = new TokenManager({
    store: new EncryptedFileTokenStore(paths),
    lookupServer: async (server) => getServer(await readConfig(paths), server),
  })
  return manager.accessToken(name)
}
