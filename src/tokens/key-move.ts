// `key move keychain|file`: puts the token store's key in the other place. Order matters, so an
// interruption at any point leaves a home that opens: copy to the target, read it back and open
// tokens.json with the copy, record the new place, and only then remove the old copy. Until the
// record changes the old place is used; after it, the new one, which already holds the key.
import { readFile } from 'node:fs/promises'
import { BridgeError } from '../errors.js'
import { withFileLock } from '../fs/lock.js'
import { keychainError, keychainFix } from './keychain.js'
import {
  describeLocation,
  locationFor,
  missingKey,
  readKeyAt,
  recordStorage,
  recordedStorage,
  removeKeyAt,
  writeKeyAt,
  type KeyHome,
  type KeyLocation,
  type KeyStorageKind,
} from './key-storage.js'
import { decrypt } from './vault.js'
import { commandLine } from '../cli/commands-named.js'

export interface KeyMove {
  from: KeyLocation
  to: KeyLocation
  /** The key was already recorded in the target; a copy left by an interrupted move may have been removed. */
  already: boolean
  /** Set when the old copy could not be removed: the move is done, but a copy remains. */
  leftover?: string
  /** Whether tokens.json existed and was opened with the moved key. */
  opened?: boolean
}

export async function moveKey(
  home: KeyHome & { tokens: string },
  target: KeyStorageKind,
): Promise<KeyMove> {
  // The store's own lock: no process makes a first key, or writes tokens.json, while the key moves.
  return withFileLock(home.tokens, async () => {
    try {
      return await moveLocked(home, target)
    } catch (error) {
      throw keychainError(
        error,
        `move the encryption key (to the ${target})`,
        `${keychainFix()}; the key stays where it was until a move succeeds.`,
      )
    }
  })
}

async function moveLocked(
  home: KeyHome & { tokens: string },
  target: KeyStorageKind,
): Promise<KeyMove> {
  const { location: from, recorded } = await recordedStorage(home)
  const to = locationFor(target, home)
  if (from.kind === target) return finishEarlierMove(home, from, recorded)

  const key = await readKeyAt(from)
  const sealed = await readTokens(home.tokens)
  if (!key && sealed === undefined) {
    throw new BridgeError(
      'NOT_INITIALIZED',
      `There is no encryption key to move yet (${describeLocation(from)} holds none).`,
      {
        hint: `Run \`${commandLine.init()}\` first.`,
      },
    )
  }
  if (!key) throw missingKey(from)
  if (sealed !== undefined)
    opens(
      key,
      sealed,
      home.tokens,
      `the key in ${describeLocation(from)} does not open it, so nothing was moved`,
    )

  if (to.kind === 'file') {
    // A key file that is not this key may be the one an older copy of tokens.json needs.
    const present = await readKeyAt(to).catch(() => undefined)
    if (present && !present.equals(key)) {
      throw new BridgeError(
        'VAULT_UNREADABLE',
        `Cannot move the encryption key: ${to.path} already holds a different key; nothing was moved.`,
        {
          hint: `Move ${to.path} somewhere else (it may open an older copy of tokens.json), then run \`${commandLine.keyMove('file')}\` again.`,
        },
      )
    }
  }
  await writeKeyAt(to, key)
  const copy = await readKeyAt(to)
  if (!copy?.equals(key)) {
    throw new BridgeError(
      'VAULT_UNREADABLE',
      `Cannot move the encryption key: ${describeLocation(to)} did not return the key written to it; it is still in ${describeLocation(from)}.`,
      {
        hint: `Nothing changed for the token store; check the target with \`${commandLine.doctor()}\` and try again.`,
      },
    )
  }
  if (sealed !== undefined)
    opens(
      copy,
      sealed,
      home.tokens,
      `the copy in ${describeLocation(to)} does not open it; the key is still in ${describeLocation(from)}`,
    )

  await recordStorage(home, to)
  try {
    await removeKeyAt(from)
    return { from, to, already: false, opened: sealed !== undefined }
  } catch (error) {
    return {
      from,
      to,
      already: false,
      opened: sealed !== undefined,
      leftover: `${describeLocation(from)} still holds a copy (${(error as Error).message}); remove it by hand`,
    }
  }
}

/**
 * Already in the target. A move interrupted after recording the new place leaves the old copy
 * behind; it is removed when it is the same key, and left alone (and said) when it is not.
 */
async function finishEarlierMove(
  home: KeyHome,
  at: KeyLocation,
  recorded: boolean,
): Promise<KeyMove> {
  if (!recorded) await recordStorage(home, at)
  const other = locationFor(at.kind === 'file' ? 'keychain' : 'file', home)
  const key = await readKeyAt(at)
  if (!key) throw missingKey(at)
  // The other place may not answer at all (no keychain on this machine): then nothing is left there.
  const copy = await readKeyAt(other).catch(() => undefined)
  if (copy?.equals(key)) {
    try {
      await removeKeyAt(other)
      return { from: other, to: at, already: true }
    } catch (error) {
      return {
        from: at,
        to: at,
        already: true,
        leftover: `${describeLocation(other)} still holds a copy (${(error as Error).message}); remove it by hand`,
      }
    }
  }
  if (copy)
    return {
      from: at,
      to: at,
      already: true,
      leftover: `${describeLocation(other)} holds a different key, left alone; delete it once you know no tokens.json needs it`,
    }
  return { from: at, to: at, already: true }
}

async function readTokens(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function opens(key: Buffer, sealed: string, path: string, failure: string): void {
  try {
    decrypt(key, sealed, path)
  } catch (error) {
    throw new BridgeError('VAULT_UNREADABLE', `Cannot move the encryption key: ${failure}.`, {
      hint:
        error instanceof BridgeError && error.hint
          ? error.hint
          : `Run \`${commandLine.doctor()}\` to see which key opens the token store.`,
      cause: error,
    })
  }
}
