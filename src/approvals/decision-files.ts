// Where the decision log lives on disk and how it is read back: logs/decisions.jsonl is the file
// being written; when it reaches its size limit it is renamed to the next free number,
// decisions.1.jsonl first, so the numbers run oldest to newest and a rotation is one rename that
// never touches the older files. The anchor is a separate small file beside tokens.json, sealed
// with the token store's key (vault.ts): anyone can edit the log, nobody without the key can
// write an anchor that fits the edit.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BridgeError } from '../errors.js'
import { writeFileAtomic } from '../fs/atomic-write.js'
import { decrypt, encrypt, loadOrCreateKey } from '../tokens/vault.js'
import type { ChainFile, DecisionAnchor } from './decision-chain.js'
import { command } from '../cli/commands-named.js'

export const CURRENT_FILE = 'decisions.jsonl'
/** The plain-text log of earlier versions, carried into the chain once. */
export const LEGACY_FILE = 'decisions.log'
export const ANCHOR_FILE = 'decisions.anchor'

const ROTATED = /^decisions\.(\d+)\.jsonl$/

export function rotatedName(number: number): string {
  return `decisions.${number}.jsonl`
}

export interface ChainFiles {
  /** Oldest first; the current file last (when it exists). */
  files: ChainFile[]
  /** Numbers skipped between rotated files: a rotated file that was deleted. */
  missing: string[]
  /** The highest number a rotated file has. */
  lastRotated: number
}

export async function readChainFiles(logsFolder: string): Promise<ChainFiles> {
  let names: string[]
  try {
    names = await readdir(logsFolder)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { files: [], missing: [], lastRotated: 0 }
    throw error
  }
  const numbers = names
    .flatMap((name) => {
      const match = ROTATED.exec(name)
      return match ? [Number(match[1])] : []
    })
    .sort((a, b) => a - b)
  const lastRotated = numbers.at(-1) ?? 0
  const missing: string[] = []
  for (let number = 1; number < lastRotated; number++)
    if (!numbers.includes(number)) missing.push(rotatedName(number))
  const ordered = [
    ...numbers.map(rotatedName),
    ...(names.includes(CURRENT_FILE) ? [CURRENT_FILE] : []),
  ]
  const files = await Promise.all(
    ordered.map(async (name) => {
      const bytes = await readFile(join(logsFolder, name))
      return {
        name,
        lines: splitLines(bytes),
        cutShort: bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a,
      }
    }),
  )
  return { files, missing, lastRotated }
}

/** The bytes between newlines; a last line without its newline (a write cut short) is kept as a line too. */
export function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = []
  let start = 0
  for (;;) {
    const end = bytes.indexOf(0x0a, start)
    if (end === -1) break
    lines.push(bytes.subarray(start, end))
    start = end + 1
  }
  if (start < bytes.length) lines.push(bytes.subarray(start))
  return lines
}

export interface AnchorFile {
  read(): Promise<DecisionAnchor | undefined>
  write(anchor: DecisionAnchor): Promise<void>
}

// Inside the sealed text, so a sealed blob made for something else (tokens.json) cannot pass for an anchor.
const PURPOSE = 'mcp-oauth-bridge decision log anchor'

/** The anchor, sealed with the key of the token store (the OS keychain or the key file, as the store uses). */
export function anchorFile(home: string, keyPath: string): AnchorFile {
  const path = join(home, ANCHOR_FILE)
  let key: Buffer | undefined
  const loadKey = async (create: boolean) => (key ??= await loadOrCreateKey(keyPath, { create }))
  return {
    async read() {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
      // A key that cannot be loaded says so itself (which key, where); only the opening is worded here.
      const sealingKey = await loadKey(false)
      let opened: { purpose?: unknown; anchor?: DecisionAnchor }
      try {
        opened = JSON.parse(decrypt(sealingKey, text, path)) as typeof opened
      } catch (error) {
        throw new BridgeError(
          'VAULT_UNREADABLE',
          `Cannot open the decision log's anchor ${path}: the token store's key does not open it, or the file was changed.`,
          {
            hint: `Restore the key the token store was made with (\`${command('doctor')}\` says where it is kept), or the anchor file if it was replaced.`,
            cause: error,
          },
        )
      }
      const anchor = opened.anchor
      if (
        opened.purpose !== PURPOSE ||
        !anchor ||
        !Number.isInteger(anchor.lines) ||
        typeof anchor.last !== 'string'
      ) {
        throw new BridgeError('VAULT_UNREADABLE', `${path} is not a decision log anchor.`, {
          hint: `Restore the anchor file from a backup; \`${command('log --verify')}\` cannot vouch for the end of the log without it.`,
        })
      }
      return anchor
    },
    async write(anchor) {
      await writeFileAtomic(
        path,
        encrypt(await loadKey(true), JSON.stringify({ purpose: PURPOSE, anchor })),
      )
    },
  }
}
