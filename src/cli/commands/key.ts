// `key move keychain|file`: moves the token store's encryption key between the OS keychain and
// the key file, the only way the place changes (init chooses it once; nothing switches silently).
import { BridgeError, quote } from '../../errors.js'
import { moveKey } from '../../tokens/key-move.js'
import { describeLocation, type KeyStorageKind } from '../../tokens/key-storage.js'
import type { CliContext } from '../context.js'

export async function keyMoveCommand(ctx: CliContext, target: string): Promise<void> {
  if (target !== 'keychain' && target !== 'file') {
    throw new BridgeError(
      'BAD_USAGE',
      `Cannot move the key to ${quote(target)}: the places are "keychain" and "file".`,
      {
        hint: 'Run `mcp-oauth-bridge key move keychain` or `mcp-oauth-bridge key move file`.',
      },
    )
  }
  const { out } = ctx
  const move = await moveKey(ctx.paths, target satisfies KeyStorageKind)
  if (move.already) {
    const cleaned =
      move.from.kind !== move.to.kind
        ? ` (removed the copy an interrupted move left in ${describeLocation(move.from)})`
        : ''
    out.success(`The encryption key is already in ${describeLocation(move.to)}${cleaned}.`)
  } else {
    out.success(
      `Moved the encryption key to ${describeLocation(move.to)}; ${move.opened ? 'the token store opens with it' : 'no tokens are stored yet'}.`,
    )
    if (!move.leftover) out.progress(`Removed it from ${describeLocation(move.from)}.`)
  }
  if (move.leftover) out.warn(`${move.leftover}.`)
}
