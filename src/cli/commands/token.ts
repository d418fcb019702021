// `token <name>`: prints a valid access token (refreshed first if needed), for callers that must
// hold the token themselves, such as the Messages API's `authorization_token`.
import { getServer, readConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import { TokenManager } from '../../tokens/manager.js'
import { EncryptedFileTokenStore } from '../../tokens/store.js'
import type { CliContext } from '../context.js'

export async function tokenCommand(ctx: CliContext, name: string): Promise<void> {
  const token = await getAccessTokenFor(ctx.paths, name)
  ctx.out.result(token)
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
