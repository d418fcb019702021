// The one way new tokens enter the store, whichever grant or refresh produced them: they replace
// the old ones and end a "login required" state, since the server has just issued a working grant.
import type { TokenStore } from './store.js'
import type { StoredTokens } from './token.js'

export async function saveTokens(
  store: TokenStore,
  name: string,
  tokens: StoredTokens,
  login: { requestedScope?: string } = {},
): Promise<void> {
  await store.update(name, (secrets) => {
    const next = {
      ...secrets,
      tokens,
      ...(login.requestedScope ? { requestedScope: login.requestedScope } : {}),
    }
    delete next.loginRequired
    return next
  })
}
