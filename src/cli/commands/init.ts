// `init`: creates the home folder (0700), a default config.json and the encryption key (in the
// OS keychain when one answers, else in the key file; the choice is recorded and said).
import { defaultConfig } from '../../config/schema.js'
import { ensureHome, isInitialized, writeConfig } from '../../config/store.js'
import { setUpKey } from '../../tokens/key-setup.js'
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
  const key = await setUpKey(paths, ctx.env)
  out.progress(`Tokens will be stored encrypted in ${paths.tokens}.`)
  out.progress(key.note)
  out.progress('Next: mcp-oauth-bridge add <name> <url>')
}
