// Where the key lives, on the key-file side (the keychain side runs against a real Secret
// Service in test/e2e/keychain.test.ts): the record, homes from before it, and refusals.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolvePaths } from '../config/paths.js'
import { BridgeError } from '../errors.js'
import { setUpKey } from './key-setup.js'
import { moveKey } from './key-move.js'
import { markerPath, recordStorage, recordedStorage, locationFor } from './key-storage.js'
import { EncryptedFileTokenStore } from './encrypted-file-store.js'

async function tempPaths() {
  const home = await mkdtemp(join(tmpdir(), 'bridge-key-'))
  return resolvePaths({ MCP_OAUTH_BRIDGE_HOME: home })
}

const FILE_ONLY = { MCP_OAUTH_BRIDGE_KEY_STORAGE: 'file' }

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

describe('key storage', () => {
  it('init with MCP_OAUTH_BRIDGE_KEY_STORAGE=file records the key file and says why', async () => {
    const paths = await tempPaths()
    const setup = await setUpKey(paths, FILE_ONLY)
    expect(setup.location).toEqual({ kind: 'file', path: paths.key })
    expect(setup.note).toMatch(/key file .* since MCP_OAUTH_BRIDGE_KEY_STORAGE=file says so/)
    expect(JSON.parse(await readFile(markerPath(paths), 'utf8'))).toEqual({ keyStorage: 'file' })
    if (process.platform !== 'win32') expect((await stat(paths.key)).mode & 0o777).toBe(0o600)
  })

  it('a home from before the record keeps its key file; init records it without moving it', async () => {
    const paths = await tempPaths()
    await new EncryptedFileTokenStore(paths).update('a', () => ({ headers: { x: 'y' } }))
    expect(await exists(markerPath(paths))).toBe(false)
    expect(await recordedStorage(paths)).toEqual({
      location: locationFor('file', paths),
      recorded: false,
    })
    const key = await readFile(paths.key, 'utf8')

    // Even with the keychain asked for: init never switches an existing home; `key move` does.
    const setup = await setUpKey(paths, { MCP_OAUTH_BRIDGE_KEY_STORAGE: 'keychain' })
    expect(setup.note).toMatch(/stays in the key file .*key move keychain/)
    expect(await readFile(paths.key, 'utf8')).toBe(key)
    expect((await recordedStorage(paths)).recorded).toBe(true)
    expect((await new EncryptedFileTokenStore(paths).get('a'))?.headers).toEqual({ x: 'y' })
  })

  it('init refuses to make a new key when tokens.json exists without one', async () => {
    const paths = await tempPaths()
    await new EncryptedFileTokenStore(paths).update('a', () => ({ headers: { x: 'y' } }))
    await rm(paths.key)
    const error = await setUpKey(paths, FILE_ONLY).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BridgeError)
    expect((error as BridgeError).message).toMatch(
      /encryption key is missing: the key file .* holds none/,
    )
    expect(await exists(paths.key)).toBe(false)
  })

  it('refuses an unknown MCP_OAUTH_BRIDGE_KEY_STORAGE as bad usage', async () => {
    const paths = await tempPaths()
    const error = await setUpKey(paths, { MCP_OAUTH_BRIDGE_KEY_STORAGE: 'vault' }).catch(
      (e: unknown) => e,
    )
    expect((error as BridgeError).code).toBe('BAD_USAGE')
  })

  it('a damaged record says how to repair it instead of guessing', async () => {
    const paths = await tempPaths()
    await setUpKey(paths, FILE_ONLY)
    await writeFile(markerPath(paths), '{"keyStorage": "cloud"}')
    // No tokens.json yet: nothing to open, so no key is needed to read.
    expect(await new EncryptedFileTokenStore(paths).get('a')).toBeUndefined()
    const write = await new EncryptedFileTokenStore(paths)
      .update('a', () => ({}))
      .catch((e: unknown) => e)
    expect((write as BridgeError).message).toMatch(
      /key-storage\.json is damaged \("keyStorage" is "cloud"/,
    )
    expect((write as BridgeError).hint).toMatch(
      /\{"keyStorage": "keychain"\} or \{"keyStorage": "file"\}/,
    )
  })

  it('key move to the place already used changes nothing', async () => {
    const paths = await tempPaths()
    await setUpKey(paths, FILE_ONLY)
    const key = await readFile(paths.key, 'utf8')
    const move = await moveKey(paths, 'file')
    expect(move.already).toBe(true)
    expect(await readFile(paths.key, 'utf8')).toBe(key)
  })

  it('a recorded keychain is never replaced by a key file when it holds no key', async () => {
    const paths = await tempPaths()
    await new EncryptedFileTokenStore(paths).update('a', () => ({ headers: { x: 'y' } }))
    // An account no keychain holds; where no keychain runs at all, this fails earlier, the same way.
    await recordStorage(paths, {
      kind: 'keychain',
      entry: { service: 'mcp-oauth-bridge-test', account: `${paths.home}-absent` },
    })
    await rm(paths.key)
    const error = await new EncryptedFileTokenStore(paths).get('a').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BridgeError)
    expect((error as BridgeError).message).toMatch(/encryption key/)
    expect(await exists(paths.key)).toBe(false)
  })
})
