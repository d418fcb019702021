// The bridge's tokens toward the configured servers and the static headers kept beside them.
import type { EncryptedFileTokenStore } from '../../tokens/encrypted-file-store.js'
import { TokenManager, type TokenRefresh } from '../../tokens/manager.js'
import { liveEntry, type WiringContext } from './context.js'

export function createTokens({ store, live }: WiringContext): TokenManager {
  return new TokenManager({
    store,
    refresh: tokenRefreshOnFirstUse(),
    lookupServer: async (name) => liveEntry(live, name),
  })
}

export interface HeaderCache {
  /** From memory after the first request to a server: no promise on the request path. */
  get(
    name: string,
  ): Record<string, string> | undefined | Promise<Record<string, string> | undefined>
  clear(): void
}

// Static headers are secrets, so they live in the encrypted store; decrypt once, not per request.
export function createHeaderCache(store: EncryptedFileTokenStore): HeaderCache {
  const headerCache = new Map<string, Record<string, string> | undefined>()
  return {
    get: (name) => {
      if (headerCache.has(name)) return headerCache.get(name)
      return store.get(name).then((secrets) => {
        headerCache.set(name, secrets?.headers)
        return secrets?.headers
      })
    },
    clear: () => headerCache.clear(),
  }
}

/**
 * The token refresh, loaded when a token first needs renewing: it brings the MCP SDK's OAuth
 * client and its schemas (some 100 modules, a third of the idle heap), which a bridge serving
 * fresh tokens never touches.
 */
function tokenRefreshOnFirstUse(): TokenRefresh {
  let loading: Promise<TokenRefresh> | undefined
  return (request) => {
    loading ??= import('../../oauth/refresh.js').then(({ createTokenRefresh }) =>
      createTokenRefresh(),
    )
    return loading.then((refresh) => refresh(request))
  }
}
