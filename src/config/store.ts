// Reads and changes config.json. Every change is a read-modify-write under the shared lock,
// so a CLI command and a running bridge never lose each other's edits.
import { readFile, mkdir, chmod, stat } from 'node:fs/promises'
import { BridgeError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-write.js'
import { withFileLock } from '../fs/lock.js'
import type { BridgePaths } from './paths.js'
import { parseConfig, type BridgeConfig, type ServerEntry } from './schema.js'
import { addServerHint, command } from '../cli/commands-named.js'

export async function ensureHome(paths: BridgePaths): Promise<void> {
  await mkdir(paths.home, { recursive: true, mode: 0o700 })
  // mkdir leaves an existing folder's mode alone; the folder holds secrets, so tighten it.
  if (process.platform !== 'win32') await chmod(paths.home, 0o700)
}

export async function isInitialized(paths: BridgePaths): Promise<boolean> {
  try {
    await stat(paths.config)
    return true
  } catch {
    return false
  }
}

export async function readConfig(paths: BridgePaths): Promise<BridgeConfig> {
  let text: string
  try {
    text = await readFile(paths.config, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BridgeError('NOT_INITIALIZED', `No configuration at ${paths.config}.`, {
        hint: `Run \`${command('init')}\` first.`,
      })
    }
    throw error
  }
  return parseConfig(text, paths.config)
}

export async function writeConfig(paths: BridgePaths, config: BridgeConfig): Promise<void> {
  await writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`)
}

/** Applies `change` to the current config under the lock and saves the result. */
export async function updateConfig(
  paths: BridgePaths,
  change: (config: BridgeConfig) => void,
): Promise<BridgeConfig> {
  return withFileLock(paths.config, async () => {
    const config = await readConfig(paths)
    change(config)
    await writeConfig(paths, config)
    return config
  })
}

export function getServer(config: BridgeConfig, name: string): ServerEntry {
  const entry = config.servers[name]
  if (!entry) {
    const known = Object.keys(config.servers)
    throw new BridgeError('SERVER_UNKNOWN', `No server named ${JSON.stringify(name)}.`, {
      hint: known.length
        ? `Configured servers: ${known.join(', ')}.`
        : `No servers yet. ${addServerHint()}`,
    })
  }
  return entry
}
