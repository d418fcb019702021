// The library entry: what a TypeScript program can use without the command line.
import { resolvePaths } from './config/paths.js'
import { createTokenRefresh } from './oauth/refresh.js'
import { getAccessToken as accessTokenOf } from './tokens/access-token.js'
import { EncryptedFileTokenStore } from './tokens/encrypted-file-store.js'

export { BridgeError, type BridgeErrorCode } from './errors.js'

/**
 * A valid access token for a server added with the CLI's `add` command, refreshed if needed:
 * for example as `authorization_token` in an Anthropic Messages API request.
 */
export function getAccessToken(name: string, options: { home?: string } = {}): Promise<string> {
  const env = options.home ? { ...process.env, MCP_OAUTH_BRIDGE_HOME: options.home } : process.env
  const paths = resolvePaths(env)
  return accessTokenOf(name, {
    paths,
    store: new EncryptedFileTokenStore(paths),
    refresh: createTokenRefresh(),
  })
}
