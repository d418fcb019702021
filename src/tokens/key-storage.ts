// Where the 32-byte key of the token store lives: the OS keychain, or the `key` file (0600)
// where no keychain answers. The choice is made once, at `init`, and recorded in
// key-storage.json beside tokens.json, so it never changes behind the user's back: a home whose
// keychain stops answering fails with a fix instead of quietly making a key file. A home with no
// record (made before the keychain existed) keeps its key file.
import { randomBytes } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { BridgeError, quote } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-write.js'
import {
  keychainError,
  keychainFix,
  keychainName,
  readKeychain,
  writeKeychain,
  deleteKeychain,
  type KeychainEntryName,
} from './keychain.js'
import { commandLine } from '../cli/commands-named.js'

export type KeyStorageKind = 'keychain' | 'file'

export type KeyLocation =
  { kind: 'file'; path: string } | { kind: 'keychain'; entry: KeychainEntryName }

/** The parts of the home folder the key needs (BridgePaths has them). */
export interface KeyHome {
  home: string
  key: string
}

export interface RecordedStorage {
  location: KeyLocation
  /** False for a home without key-storage.json: it predates the keychain and uses the file. */
  recorded: boolean
}

const MARKER = 'key-storage.json'
const KEYCHAIN_SERVICE = 'mcp-oauth-bridge'
/** Overrides init's choice; the suite sets `file` so tests never write to a developer's keychain. */
export const KEY_STORAGE_ENV = 'MCP_OAUTH_BRIDGE_KEY_STORAGE'

export function markerPath(home: KeyHome): string {
  return join(home.home, MARKER)
}

/** The location of each kind for this home; keychain entries are named after the home folder. */
export function locationFor(kind: KeyStorageKind, home: KeyHome): KeyLocation {
  return kind === 'file'
    ? { kind: 'file', path: home.key }
    : { kind: 'keychain', entry: { service: KEYCHAIN_SERVICE, account: resolve(home.home) } }
}

export function describeLocation(location: KeyLocation): string {
  return location.kind === 'file'
    ? `the key file ${location.path}`
    : `${keychainName()}, entry "${location.entry.service}" / "${location.entry.account}"`
}

export async function recordedStorage(home: KeyHome): Promise<RecordedStorage> {
  let text: string
  try {
    text = await readFile(markerPath(home), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { location: locationFor('file', home), recorded: false }
    throw error
  }
  return { location: parseMarker(text, home), recorded: true }
}

export async function recordStorage(home: KeyHome, location: KeyLocation): Promise<void> {
  const marker =
    location.kind === 'file'
      ? { keyStorage: 'file' }
      : { keyStorage: 'keychain', keychain: location.entry }
  await writeFileAtomic(markerPath(home), `${JSON.stringify(marker, null, 2)}\n`, 0o600)
}

function parseMarker(text: string, home: KeyHome): KeyLocation {
  let marker: { keyStorage?: unknown; keychain?: { service?: unknown; account?: unknown } }
  try {
    marker = JSON.parse(text) as typeof marker
  } catch {
    throw damagedMarker(home, 'it is not JSON')
  }
  if (marker.keyStorage === 'file') return locationFor('file', home)
  if (marker.keyStorage === 'keychain') {
    const { service, account } = marker.keychain ?? {}
    if (service === undefined && account === undefined) return locationFor('keychain', home)
    if (typeof service === 'string' && typeof account === 'string' && service && account)
      return { kind: 'keychain', entry: { service, account } }
    throw damagedMarker(home, '"keychain" must name a "service" and an "account"')
  }
  throw damagedMarker(home, `"keyStorage" is ${quote(marker.keyStorage)}, not "keychain" or "file"`)
}

function damagedMarker(home: KeyHome, why: string): BridgeError {
  return new BridgeError(
    'VAULT_UNREADABLE',
    `Cannot tell where the encryption key is: ${markerPath(home)} is damaged (${why}).`,
    {
      hint: `Write {"keyStorage": "keychain"} or {"keyStorage": "file"} into it, whichever holds the key (\`${commandLine.doctor()}\` checks the result).`,
    },
  )
}

/** The key at `location`, or undefined when there is none. Throws when it cannot be read or is damaged. */
export async function readKeyAt(location: KeyLocation): Promise<Buffer | undefined> {
  let text: string | undefined
  if (location.kind === 'file') {
    try {
      text = await readFile(location.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new BridgeError('VAULT_UNREADABLE', `Cannot read the key file ${location.path}.`, {
        hint: `Check its owner and mode (\`${commandLine.doctor()}\`), or restore it from a backup.`,
        cause: error,
      })
    }
  } else {
    text = await readKeychain(location.entry)
    if (text === undefined) return undefined
  }
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length !== 32) {
    throw new BridgeError(
      'VAULT_UNREADABLE',
      `The encryption key in ${describeLocation(location)} is damaged (it must hold 32 bytes, base64).`,
      {
        hint: 'Restore it from a backup, or move tokens.json away and log in to each server again.',
      },
    )
  }
  return key
}

export async function writeKeyAt(location: KeyLocation, key: Buffer): Promise<void> {
  if (location.kind === 'file')
    await writeFileAtomic(location.path, `${key.toString('base64')}\n`, 0o600)
  else await writeKeychain(location.entry, key.toString('base64'))
}

export async function removeKeyAt(location: KeyLocation): Promise<void> {
  if (location.kind === 'file') await rm(location.path, { force: true })
  else await deleteKeychain(location.entry)
}

/**
 * The key where the home's record says, made there on first use when `create` (only the store's
 * first write asks for that, under its lock). Never falls back to the other place.
 */
export async function loadKey(home: KeyHome, options: { create: boolean }): Promise<Buffer> {
  const { location } = await recordedStorage(home)
  try {
    const existing = await readKeyAt(location)
    if (existing) return existing
    if (!options.create) throw missingKey(location)
    const key = randomBytes(32)
    await writeKeyAt(location, key)
    return key
  } catch (error) {
    throw keychainError(error, 'read the encryption key of the token store', unavailableHint())
  }
}

/** What to do when the recorded keychain does not answer. */
export function unavailableHint(): string {
  return `${keychainFix()}. If this home was copied from a machine whose keychain holds the key, run \`${commandLine.keyMove('file')}\` there first; \`${commandLine.doctor()}\` shows where the key is expected.`
}

export function missingKey(location: KeyLocation): BridgeError {
  return new BridgeError(
    'VAULT_UNREADABLE',
    `The encryption key is missing: ${describeLocation(location)} holds none, so tokens.json cannot be opened.`,
    {
      hint:
        location.kind === 'file'
          ? 'Restore the key file from a backup (or, if it was moved to the keychain, check key-storage.json), or move tokens.json away and log in to each server again.'
          : 'Restore the keychain entry, or move tokens.json away and log in to each server again.',
    },
  )
}
