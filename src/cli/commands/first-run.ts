// The first command run on a machine need not be `init`: `add` and `demo` set the home up
// themselves, the way `init` does (folder, default config.json, and the encryption key in the OS
// keychain when one answers, else the key file, the choice recorded and said), so a home made by
// either is no different from one made by `init`.
import { defaultConfig } from '../../config/schema.js'
import { ensureHome, isInitialized, writeConfig } from '../../config/store.js'
import { setUpKey } from '../../tokens/key-setup.js'
import type { CliContext } from '../context.js'

export async function ensureInitialized(ctx: CliContext): Promise<void> {
  if (await isInitialized(ctx.paths)) return
  await ensureHome(ctx.paths)
  await writeConfig(ctx.paths, defaultConfig())
  const key = await setUpKey(ctx.paths, ctx.env)
  ctx.out.progress(`Created ${ctx.paths.home}`)
  ctx.out.progress(key.note)
}
