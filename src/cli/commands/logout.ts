// `logout <name>` revokes (where the server supports RFC 7009) and forgets the tokens;
// `remove <name>` does that and drops the server, its client registration and its config.
import { getServer, readConfig, updateConfig } from '../../config/store.js'
import { quote } from '../../errors.js'
import { createGuardedFetch } from '../../oauth/http.js'
import { revokeTokens } from '../../oauth/revoke.js'
import type { TokenStore } from '../../tokens/store.js'
import type { CliContext } from '../context.js'

export async function logoutCommand(ctx: CliContext, name: string): Promise<void> {
  getServer(await readConfig(ctx.paths), name)
  const store = ctx.store
  await revokeAndForget(ctx, store, name)
  await store.update(name, (secrets) => {
    const { tokens: _tokens, loginRequired: _flag, ...rest } = secrets
    return rest
  })
  ctx.out.success(`Logged out of ${quote(name)}. Log in again with: mcp-oauth-bridge login ${name}`)
}

export async function removeCommand(ctx: CliContext, name: string): Promise<void> {
  getServer(await readConfig(ctx.paths), name)
  const store = ctx.store
  await revokeAndForget(ctx, store, name)
  await store.update(name, () => undefined)
  await updateConfig(ctx.paths, (config) => {
    delete config.servers[name]
  })
  ctx.out.success(`Removed ${quote(name)}.`)
}

async function revokeAndForget(ctx: CliContext, store: TokenStore, name: string): Promise<void> {
  const secrets = await store.get(name)
  if (!secrets?.tokens) return
  const result = await revokeTokens(secrets, createGuardedFetch())
  if (result.kind === 'revoked') ctx.out.progress('Revoked the tokens at the authorization server.')
  else if (result.kind === 'unsupported')
    ctx.out.progress('The server offers no token revocation; forgetting the tokens here.')
  else
    ctx.out.warn(
      `Could not revoke the tokens (${result.reason}); forgetting them here anyway. You can revoke access in the provider's settings.`,
    )
}
