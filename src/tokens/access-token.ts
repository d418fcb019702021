// A valid access token for one configured server, outside the running bridge: what the library
// entry and the `token` command hand out. It takes the same per-server refresh lock as the
// bridge, so a refresh here and one there never spend the same refresh token twice.
import type { BridgePaths } from '../config/paths.js'
import { getServer, readConfig } from '../config/store.js'
import { BridgeError, quote } from '../errors.js'
import { TokenManager, type TokenRefresh } from './manager.js'
import type { TokenStore } from './store.js'

export interface AccessTokenSource {
  paths: BridgePaths
  store: TokenStore
  refresh: TokenRefresh
}

export async function getAccessToken(name: string, source: AccessTokenSource): Promise<string> {
  const entry = getServer(await readConfig(source.paths), name)
  if (entry.auth === 'none') {
    throw new BridgeError(
      'BAD_USAGE',
      `${quote(name)} needs no OAuth token (it was added without authorization).`,
    )
  }
  const manager = new TokenManager({
    store: source.store,
    lookupServer: async (server) => getServer(await readConfig(source.paths), server),
    refresh: source.refresh,
  })
  return manager.accessToken(name)
}
