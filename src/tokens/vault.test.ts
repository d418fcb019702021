import { mkdtemp, readFile, writeFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { resolvePaths } from '../config/paths.js'
import { BridgeError } from '../errors.js'
import { EncryptedFileTokenStore } from './encrypted-file-store.js'
import { decrypt, encrypt } from './vault.js'

async function tempPaths() {
  const home = await mkdtemp(join(tmpdir(), 'bridge-vault-'))
  return resolvePaths({ MCP_OAUTH_BRIDGE_HOME: home })
}

const SECRETS = {
  access: 'at-4f9d2c1e-very-secret-access',
  refresh: 'rt-8a7b6c5d-very-secret-refresh',
  clientSecret: 'cs-0123456789-very-secret-client',
  header: 'Bearer static-api-key-secret-value',
}

describe('encrypted token store', () => {
  it('keeps no secret in the bytes on disk, and reads them back', async () => {
    const paths = await tempPaths()
    const store = new EncryptedFileTokenStore(paths)
    await store.update('stripe', () => ({
      tokens: {
        access_token: SECRETS.access,
        refresh_token: SECRETS.refresh,
        token_type: 'Bearer',
        obtained_at: 1,
      },
      client: { client_id: 'client-1', client_secret: SECRETS.clientSecret },
      headers: { authorization: SECRETS.header },
    }))
    const bytes = await readFile(paths.tokens)
    for (const secret of Object.values(SECRETS)) {
      expect(bytes.includes(Buffer.from(secret))).toBe(false)
      expect(bytes.includes(Buffer.from(Buffer.from(secret).toString('base64')))).toBe(false)
    }
    const again = await new EncryptedFileTokenStore(paths).get('stripe')
    expect(again?.tokens?.refresh_token).toBe(SECRETS.refresh)
    expect(again?.client?.client_secret).toBe(SECRETS.clientSecret)
  })

  it('creates the key and the store with owner-only modes', async () => {
    const paths = await tempPaths()
    await new EncryptedFileTokenStore(paths).update('a', () => ({ headers: { x: 'y' } }))
    if (process.platform !== 'win32') {
      expect((await stat(paths.tokens)).mode & 0o777).toBe(0o600)
      expect((await stat(paths.key)).mode & 0o777).toBe(0o600)
    }
  })

  it('refuses a wrong key with a clear error instead of garbage', async () => {
    const paths = await tempPaths()
    await new EncryptedFileTokenStore(paths).update('a', () => ({ headers: { x: 'y' } }))
    await writeFile(paths.key, randomBytes(32).toString('base64'))
    const error = await new EncryptedFileTokenStore(paths).get('a').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BridgeError)
    expect((error as BridgeError).code).toBe('VAULT_UNREADABLE')
    expect((error as BridgeError).message).toMatch(/key does not open it/)
  })

  it('refuses a tampered file', async () => {
    const key = randomBytes(32)
    const sealed = JSON.parse(encrypt(key, '{"servers":{}}')) as { ciphertext: string }
    const bytes = Buffer.from(sealed.ciphertext, 'base64')
    bytes[0] = (bytes[0] ?? 0) ^ 1
    const tampered = JSON.stringify({ ...sealed, ciphertext: bytes.toString('base64') })
    expect(() => decrypt(key, tampered, 'tokens.json')).toThrow(/changed/)
    expect(() => decrypt(key, 'not json', 'tokens.json')).toThrow(/not a token store/)
  })

  it('serialises concurrent updates without losing any', async () => {
    const paths = await tempPaths()
    const store = new EncryptedFileTokenStore(paths)
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update(`s${i}`, () => ({ headers: { n: String(i) } })),
      ),
    )
    expect(Object.keys(await store.all())).toHaveLength(20)
  })
})
