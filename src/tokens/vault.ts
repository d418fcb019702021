// Encrypts the token store with AES-256-GCM. The file holds only the nonce, the tag and the
// ciphertext; the key lives elsewhere (the OS keychain, or the `key` file, 0600), so a copied
// tokens.json alone (backups, dotfile sync) reveals nothing, and a tampered one fails to open
// instead of yielding garbage.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { dirname } from 'node:path'
import { BridgeError } from '../errors.js'
import { loadKey } from './key-storage.js'
import { commandLine } from '../cli/commands-named.js'

const FORMAT = 'mcp-oauth-bridge-vault'
const VERSION = 1
// Binds the ciphertext to its purpose, so it cannot be swapped in for another encrypted blob.
const ASSOCIATED_DATA = Buffer.from(`${FORMAT}:v${VERSION}`)

interface VaultFile {
  format: typeof FORMAT
  version: typeof VERSION
  nonce: string
  tag: string
  ciphertext: string
}

export function encrypt(key: Buffer, plaintext: string): string {
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(ASSOCIATED_DATA)
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  const file: VaultFile = {
    format: FORMAT,
    version: VERSION,
    nonce: nonce.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  }
  return `${JSON.stringify(file)}\n`
}

export function decrypt(key: Buffer, text: string, path: string): string {
  let file: Partial<VaultFile>
  try {
    file = JSON.parse(text) as Partial<VaultFile>
  } catch {
    throw unreadable(path, 'it is not a token store file (not JSON)')
  }
  if (
    file.format !== FORMAT ||
    file.version !== VERSION ||
    !file.nonce ||
    !file.tag ||
    !file.ciphertext
  ) {
    throw unreadable(path, 'it is not a token store file of this version')
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.nonce, 'base64'))
    decipher.setAAD(ASSOCIATED_DATA)
    decipher.setAuthTag(Buffer.from(file.tag, 'base64'))
    return Buffer.concat([
      decipher.update(Buffer.from(file.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8')
  } catch {
    throw unreadable(path, 'the key does not open it, or the file was changed')
  }
}

function unreadable(path: string, why: string): BridgeError {
  return new BridgeError('VAULT_UNREADABLE', `Cannot read the token store ${path}: ${why}.`, {
    hint: `Restore the matching key file or keychain entry (\`${commandLine.doctor()}\` says which one is used), or move tokens.json away and run \`${commandLine.login('<name>')}\` for each server.`,
  })
}

/**
 * The 32-byte key, made on first use when `create`. Where it lives (the OS keychain or the key
 * file) is recorded beside the key file's path, in the same home folder; see key-storage.ts.
 */
export async function loadOrCreateKey(
  keyPath: string,
  options: { create: boolean },
): Promise<Buffer> {
  return loadKey({ home: dirname(keyPath), key: keyPath }, options)
}
