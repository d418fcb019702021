// The OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux)
// through @napi-rs/keyring. The native binding is loaded on first use only: a bridge whose key
// is in a file never pays for it, and `start` stays quick.
import { BridgeError, quote } from '../errors.js'

/** One keychain entry: the service names the product, the account names the home folder. */
export interface KeychainEntryName {
  service: string
  account: string
}

type Binding = typeof import('@napi-rs/keyring')
type NativeEntry = InstanceType<Binding['AsyncEntry']>

let binding: Promise<Binding> | undefined

export class KeychainUnavailable extends Error {
  override readonly name = 'KeychainUnavailable'
}

/** The entry's text, or undefined when the keychain holds none. Throws KeychainUnavailable. */
export async function readKeychain(name: KeychainEntryName): Promise<string | undefined> {
  const entry = await open(name)
  try {
    return (await entry.getPassword()) ?? undefined
  } catch (error) {
    throw unavailable('read', error)
  }
}

export async function writeKeychain(name: KeychainEntryName, text: string): Promise<void> {
  const entry = await open(name)
  try {
    await entry.setPassword(text)
  } catch (error) {
    throw unavailable('write', error)
  }
}

/** True when an entry was removed, false when there was none. */
export async function deleteKeychain(name: KeychainEntryName): Promise<boolean> {
  const entry = await open(name)
  try {
    return await entry.deleteCredential()
  } catch (error) {
    throw unavailable('delete', error)
  }
}

/** Which keychain this platform has, in words for people. */
export function keychainName(): string {
  if (process.platform === 'darwin') return 'the macOS Keychain'
  if (process.platform === 'win32') return 'the Windows Credential Manager'
  return 'the Secret Service keyring'
}

/** What to do when the keychain does not answer, for this platform. */
export function keychainFix(): string {
  if (process.platform === 'darwin' || process.platform === 'win32') {
    return `Unlock ${keychainName()} (log in to the desktop session), then try again`
  }
  return 'Unlock the keyring (log in to the desktop, or in a headless session run `echo -n <password> | gnome-keyring-daemon --unlock --components=secrets` inside the D-Bus session), then try again'
}

async function open(name: KeychainEntryName): Promise<NativeEntry> {
  let native: Binding
  try {
    native = await (binding ??= import('@napi-rs/keyring'))
  } catch (error) {
    binding = undefined
    throw new KeychainUnavailable(
      `the keychain module @napi-rs/keyring does not load on ${process.platform}-${process.arch} (${(error as Error).message})`,
      { cause: error },
    )
  }
  try {
    // Pinned to the Secret Service on Linux: the binding would otherwise fall back to the kernel
    // keyring, which forgets everything at logout or reboot, and the tokens with it.
    return new native.AsyncEntry(name.service, name.account, { linux: { store: 'secret-service' } })
  } catch (error) {
    throw unavailable('open', error)
  }
}

function unavailable(
  step: 'open' | 'read' | 'write' | 'delete',
  error: unknown,
): KeychainUnavailable {
  const message = (error as Error).message ?? String(error)
  return new KeychainUnavailable(
    `${keychainName()} did not answer (${step}): ${explain(message)}`,
    { cause: error },
  )
}

// The binding's messages name D-Bus internals: say what they mean (the original stays in the
// error's cause, which MCP_OAUTH_BRIDGE_DEBUG prints), and quote the ones not known here.
function explain(message: string): string {
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch/i.test(message))
    return 'there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)'
  if (
    /ServiceUnknown|org\.freedesktop\.secrets|was not provided by any \.service files/i.test(
      message,
    )
  )
    return 'no Secret Service runs in this D-Bus session'
  if (/prompt was dismissed/i.test(message))
    return 'the keyring is locked and its unlock prompt was dismissed or could not be shown'
  if (/no result found/i.test(message)) return 'the keyring has no default collection to keep it in'
  return quote(message)
}

/** Turns KeychainUnavailable into the product's error, with what to do next. */
export function keychainError(error: unknown, doing: string, hint: string): unknown {
  if (!(error instanceof KeychainUnavailable)) return error
  return new BridgeError('VAULT_UNREADABLE', `Cannot ${doing}: ${error.message}.`, {
    hint,
    cause: error,
  })
}
