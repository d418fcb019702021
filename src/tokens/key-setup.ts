// `init`'s part of the key: decides where a new home keeps it (the OS keychain when one answers,
// else the key file), makes it there and records the choice. An existing home keeps what it has.
import { randomBytes } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { BridgeError, quote } from '../errors.js'
import { KeychainUnavailable, keychainError, keychainFix, keychainName } from './keychain.js'
import {
  KEY_STORAGE_ENV,
  describeLocation,
  locationFor,
  missingKey,
  readKeyAt,
  recordStorage,
  recordedStorage,
  removeKeyAt,
  unavailableHint,
  writeKeyAt,
  type KeyHome,
  type KeyLocation,
  type KeyStorageKind,
} from './key-storage.js'
import { commandLine } from '../cli/commands-named.js'

export interface KeySetup {
  location: KeyLocation
  /** One line for the person: where the key is and why there. */
  note: string
}

export async function setUpKey(
  home: KeyHome & { tokens: string },
  env: NodeJS.ProcessEnv,
): Promise<KeySetup> {
  const forced = forcedKind(env)
  const recorded = await recordedStorage(home)
  const hasTokens = await exists(home.tokens)
  if (recorded.recorded || (await exists(home.key)) || hasTokens) {
    return keepExisting(home, recorded.location, recorded.recorded, hasTokens)
  }
  if (forced === 'file') return makeFileKey(home, `${KEY_STORAGE_ENV}=file says so`)
  const key = randomBytes(32)
  const keychain = locationFor('keychain', home)
  try {
    await writeKeyAt(keychain, key)
    // Read back: some keyrings accept a write they cannot return (no default collection, a
    // locked one whose prompt was dismissed), and a key that cannot be read back is lost.
    const back = await readKeyAt(keychain)
    if (!back?.equals(key))
      throw new KeychainUnavailable(`${keychainName()} did not return the key just written to it`)
  } catch (error) {
    if (!(error instanceof KeychainUnavailable)) throw error
    // Best effort: a keyring that took the write but cannot return it should not keep the key.
    await removeKeyAt(keychain).catch(() => undefined)
    if (forced === 'keychain') {
      throw keychainError(
        error,
        `keep the key in the keychain (${KEY_STORAGE_ENV}=keychain)`,
        `${keychainFix()}, or unset ${KEY_STORAGE_ENV} to use the key file.`,
      )
    }
    return makeFileKey(home, error.message)
  }
  await recordStorage(home, keychain)
  return {
    location: keychain,
    note: `The encryption key is in ${describeLocation(keychain)}; no key file is written.`,
  }
}

/** A home that already has a key (or tokens, or a record) is never switched by init: `key move` does that. */
async function keepExisting(
  home: KeyHome,
  location: KeyLocation,
  recorded: boolean,
  hasTokens: boolean,
): Promise<KeySetup> {
  try {
    if (!(await readKeyAt(location))) {
      if (hasTokens) throw missingKey(location)
      await writeKeyAt(location, randomBytes(32))
    }
  } catch (error) {
    throw keychainError(error, 'reach the encryption key of the token store', unavailableHint())
  }
  if (!recorded) await recordStorage(home, location)
  const move = location.kind === 'file' ? 'keychain' : 'file'
  return {
    location,
    note: `The encryption key stays in ${describeLocation(location)} (\`${commandLine.keyMove(move)}\` moves it).`,
  }
}

async function makeFileKey(home: KeyHome, why: string): Promise<KeySetup> {
  const file = locationFor('file', home)
  await writeKeyAt(file, randomBytes(32))
  await recordStorage(home, file)
  return {
    location: file,
    note: `The encryption key is in ${describeLocation(file)}, since ${why}.`,
  }
}

function forcedKind(env: NodeJS.ProcessEnv): KeyStorageKind | undefined {
  const value = env[KEY_STORAGE_ENV]
  if (value === undefined || value === '') return undefined
  if (value === 'file' || value === 'keychain') return value
  throw new BridgeError(
    'BAD_USAGE',
    `${KEY_STORAGE_ENV} is ${quote(value)}; it must be "keychain" or "file".`,
    {
      hint: `Unset ${KEY_STORAGE_ENV} to let init choose (the keychain when one answers).`,
    },
  )
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
