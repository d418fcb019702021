// The encryption key in a real OS keychain, through the command line: init chooses it, logins
// and tokens work with no key file, `key move` goes to the file and back, doctor says where the
// key is, and a keychain that stops answering is reported instead of replaced by a new key.
//
// Runs on Linux when a Secret Service answers (scripts/keychain-test.sh starts GNOME Keyring in a
// D-Bus session of its own for this), and anywhere with MCP_OAUTH_BRIDGE_TEST_KEYCHAIN=1; with
// that set and no keychain answering, it fails rather than skips, so CI cannot lose it quietly.
// Without the variable, macOS and Windows skip it: their keychains may ask the person at the
// desk for permission.
import { randomBytes } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  deleteKeychain,
  readKeychain,
  writeKeychain,
  type KeychainEntryName,
} from '../../src/tokens/keychain.js'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { cliEnv, makeHome, runCli } from './cli-process.js'

const REQUIRED = process.env.MCP_OAUTH_BRIDGE_TEST_KEYCHAIN === '1'
const keychain =
  REQUIRED || (process.platform === 'linux' && process.env.DBUS_SESSION_BUS_ADDRESS)
    ? await probeKeychain()
    : { answers: false, why: 'not asked' }

/** Writes, reads back and deletes a throwaway entry: only a full round trip counts as answering. */
async function probeKeychain(): Promise<{ answers: boolean; why: string }> {
  const probe = {
    service: 'mcp-oauth-bridge-test',
    account: `probe-${randomBytes(6).toString('hex')}`,
  }
  try {
    await writeKeychain(probe, 'probe')
    const back = await readKeychain(probe)
    await deleteKeychain(probe)
    return back === 'probe'
      ? { answers: true, why: '' }
      : { answers: false, why: 'the probe entry did not read back' }
  } catch (error) {
    return { answers: false, why: (error as Error).message }
  }
}

function entryFor(home: string): KeychainEntryName {
  return { service: 'mcp-oauth-bridge', account: resolve(home) }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

describe.runIf(keychain.answers || REQUIRED)('the encryption key in the OS keychain', () => {
  let fixture: OAuthFixture
  const homes: string[] = []

  beforeAll(async () => {
    if (!keychain.answers)
      throw new Error(`MCP_OAUTH_BRIDGE_TEST_KEYCHAIN=1, but no keychain answers: ${keychain.why}`)
    fixture = await startOAuthFixture()
  })
  afterAll(async () => {
    await fixture?.close()
    for (const home of homes) await deleteKeychain(entryFor(home)).catch(() => undefined)
  })

  async function keychainHome(): Promise<{ home: string; env: NodeJS.ProcessEnv }> {
    const home = await makeHome()
    homes.push(home)
    // The suite sets MCP_OAUTH_BRIDGE_KEY_STORAGE=file for every other test; empty lets init choose.
    return { home, env: cliEnv(home, { MCP_OAUTH_BRIDGE_KEY_STORAGE: '' }) }
  }

  it('init chooses the keychain, logins and tokens work without a key file, doctor says so', async () => {
    const { home, env } = await keychainHome()
    const init = await runCli(['init'], env)
    expect(init.code, init.stderr).toBe(0)
    expect(init.stderr).toMatch(
      /The encryption key is in .*entry "mcp-oauth-bridge" \/ ".*"; no key file is written\./,
    )
    expect(JSON.parse(await readFile(join(home, 'key-storage.json'), 'utf8'))).toEqual({
      keyStorage: 'keychain',
      keychain: entryFor(home),
    })
    expect(await exists(join(home, 'key'))).toBe(false)
    expect(Buffer.from((await readKeychain(entryFor(home)))!, 'base64')).toHaveLength(32)

    const add = await runCli(['add', 'demo', fixture.mcpUrl, '--policy', 'allow'], env)
    expect(add.code, add.stderr).toBe(0)
    const token = await runCli(['token', 'demo'], env)
    expect(token.code, token.stderr).toBe(0)
    expect(token.stdout.trim()).not.toBe('')
    const list = JSON.parse((await runCli(['list', '--json'], env)).stdout) as unknown
    expect(JSON.stringify(list)).toMatch(/"demo"/)
    expect(await exists(join(home, 'key'))).toBe(false)
    const sealed = await readFile(join(home, 'tokens.json'), 'utf8')
    expect(sealed).not.toContain(token.stdout.trim())

    const doctor = await runCli(['doctor'], env)
    expect(doctor.stdout).toMatch(
      /✔ key storage: .*entry "mcp-oauth-bridge" .*\(recorded in .*key-storage\.json\)/,
    )
    expect(doctor.stdout).toMatch(
      /✔ token store: opens with the key from the keychain \(1 server\(s\)\)/,
    )
  })

  it('add on a fresh home, without init, chooses the keychain as init does', async () => {
    const { home, env } = await keychainHome()
    const add = await runCli(['add', 'demo', fixture.mcpUrl, '--policy', 'allow'], env)
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toMatch(/The encryption key is in .*entry "mcp-oauth-bridge"/)
    expect(JSON.parse(await readFile(join(home, 'key-storage.json'), 'utf8'))).toEqual({
      keyStorage: 'keychain',
      keychain: entryFor(home),
    })
    expect(await exists(join(home, 'key'))).toBe(false)
    expect((await runCli(['token', 'demo'], env)).code).toBe(0)
  })

  it('key move file and back: the store opens at every step, the old place is emptied', async () => {
    const { home, env } = await keychainHome()
    expect((await runCli(['init'], env)).code).toBe(0)
    expect((await runCli(['add', 'demo', fixture.mcpUrl, '--policy', 'allow'], env)).code).toBe(0)
    const key = await readKeychain(entryFor(home))

    const toFile = await runCli(['key', 'move', 'file'], env)
    expect(toFile.code, toFile.stderr).toBe(0)
    expect(toFile.stderr).toMatch(
      /Moved the encryption key to the key file .*; the token store opens with it\.[\s\S]*Removed it from .*entry "mcp-oauth-bridge"/,
    )
    expect((await readFile(join(home, 'key'), 'utf8')).trim()).toBe(key)
    expect(await readKeychain(entryFor(home))).toBeUndefined()
    expect(JSON.parse(await readFile(join(home, 'key-storage.json'), 'utf8'))).toEqual({
      keyStorage: 'file',
    })
    expect((await runCli(['token', 'demo'], env)).code).toBe(0)
    expect((await runCli(['doctor'], env)).stdout).toMatch(
      /✔ key storage: the key file .*[\s\S]*✔ token store: opens with the key from the key file/,
    )

    const back = await runCli(['key', 'move', 'keychain'], env)
    expect(back.code, back.stderr).toBe(0)
    expect(await readKeychain(entryFor(home))).toBe(key)
    expect(await exists(join(home, 'key'))).toBe(false)
    expect((await runCli(['token', 'demo'], env)).code).toBe(0)
  })

  it('a move interrupted before the old copy went is finished by running it again; doctor points at it', async () => {
    const { home, env } = await keychainHome()
    expect((await runCli(['init'], env)).code).toBe(0)
    expect((await runCli(['add', 'demo', fixture.mcpUrl, '--policy', 'allow'], env)).code).toBe(0)
    // The state a `key move keychain` leaves when stopped between recording the keychain and removing the file.
    await writeFile(join(home, 'key'), `${(await readKeychain(entryFor(home)))!}\n`, {
      mode: 0o600,
    })
    const doctor = await runCli(['doctor'], env)
    expect(doctor.stdout).toMatch(
      /! leftover key file: .* still holds a copy of the key[\s\S]*→ Run `mcp-oauth-bridge key move keychain` to keep the keychain/,
    )
    const again = await runCli(['key', 'move', 'keychain'], env)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(
      /already in .*removed the copy an interrupted move left in the key file/,
    )
    expect(await exists(join(home, 'key'))).toBe(false)
    expect((await runCli(['token', 'demo'], env)).code).toBe(0)

    // A key file holding another key (for an older tokens.json, say) is never overwritten.
    const other = `${randomBytes(32).toString('base64')}\n`
    await writeFile(join(home, 'key'), other, { mode: 0o600 })
    expect((await runCli(['doctor'], env)).stdout).toMatch(
      /! leftover key file: .* holds another key, not used/,
    )
    const refused = await runCli(['key', 'move', 'file'], env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/already holds a different key; nothing was moved/)
    expect(await readFile(join(home, 'key'), 'utf8')).toBe(other)
    expect(JSON.parse(await readFile(join(home, 'key-storage.json'), 'utf8')).keyStorage).toBe(
      'keychain',
    )
  })

  it('a recorded keychain that does not answer is said, with the fix; no key file appears', async () => {
    const { home, env } = await keychainHome()
    expect((await runCli(['init'], env)).code).toBe(0)
    expect((await runCli(['add', 'demo', fixture.mcpUrl, '--policy', 'allow'], env)).code).toBe(0)

    const entry = entryFor(home)
    const key = (await readKeychain(entry))!
    await deleteKeychain(entry)
    try {
      const token = await runCli(['token', 'demo'], env)
      expect(token.code).toBe(1)
      expect(token.stderr).toMatch(
        /encryption key is missing: .*entry "mcp-oauth-bridge" .* holds none/,
      )
      expect(await exists(join(home, 'key'))).toBe(false)
    } finally {
      await writeKeychain(entry, key)
    }

    if (process.platform === 'linux') {
      // A session whose Secret Service is gone (a locked-out or headless login).
      const cut = { ...env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus')}` }
      const token = await runCli(['token', 'demo'], cut)
      expect(token.code).toBe(1)
      expect(token.stderr).toMatch(
        /Cannot read the encryption key of the token store: the Secret Service keyring did not answer/,
      )
      expect(token.stderr).toMatch(/Unlock the keyring[\s\S]*key move file/)
      const doctor = await runCli(['doctor'], cut)
      expect(doctor.code).toBe(1)
      expect(doctor.stdout).toMatch(
        /✖ key storage: recorded as the keychain in .*key-storage\.json, but the Secret Service keyring did not answer/,
      )
      expect(await exists(join(home, 'key'))).toBe(false)
    }
    expect((await runCli(['token', 'demo'], env)).code).toBe(0)
  })
})
