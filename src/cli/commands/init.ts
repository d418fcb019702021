// `init`: creates the home folder (0700), a default config.json and the encryption key.
import { defaultConfig } from '../../config/schema.js'
import { ensureHome, isInitialized, writeConfig } from '../../config/store.js'
import { loadOrCreateKey } from '../../tokens/vault.js'
import type { CliContext } from '../context.js'

export async function initCommand(ctx: CliContext, options: { force?: boolean }): Promise<void> {
  const { paths, out } = ctx
  await ensureHome(paths)
  const existed = await isInitialized(paths)
  if (existed && !options.force) {
    out.success(`Already set up in ${paths.home} (use --force to reset config.json).`)
  } else {
    await writeConfig(paths, defaultConfig())
    out.success(`${existed ? 'Reset' : 'Created'} ${paths.config}`)
  }
  await loadOrCreateKey(paths.key, { create: true })
  out.progress(`Tokens will be stored encrypted in ${paths.tokens} (key: ${paths.key}).`)
  out.progress('Next: mcp-oauth-bridge add <name> <url>')
}
