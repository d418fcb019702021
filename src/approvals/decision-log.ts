// Every decision on a tool call, appended to ~/.mcp-oauth-bridge/logs/decisions.jsonl as one
// hash-chained JSON line (decision-chain.ts): when, which server, tool and client, allow or deny,
// how and by which rule, and the arguments only as a hash and a redacted preview. One writer per
// process, the bridge: appends are serialized, the decisions of 50 ms are written as one batch,
// and at most every two seconds the file is fsync'd and only then the anchor moved, so the anchor
// never names a line the disk might not have.
import { mkdir, open, readFile, rename, truncate, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { DecisionRecord } from './gate.js'
import { argumentsHash, argumentsPreview } from './argument-preview.js'
import {
  checkAnchorReach,
  chainLine,
  GENESIS,
  hashLine,
  type DecisionAnchor,
  type DecisionEntry,
  type StoredBreak,
} from './decision-chain.js'
import {
  CURRENT_FILE,
  LEGACY_FILE,
  readChainFiles,
  rotatedName,
  type AnchorFile,
} from './decision-files.js'
import { migrateLegacyLines } from './decision-migration.js'
import { syncFolder } from '../fs/atomic-write.js'
import { command } from '../cli/commands-named.js'

export interface DecisionLog {
  write(record: DecisionRecord): void
  /** Resolves once every decision written so far is on disk and anchored. */
  flushed(): Promise<void>
  close(): Promise<void>
}

export interface DecisionLogOptions {
  anchor: AnchorFile
  /** One line for the person running the bridge (stderr): a migration, a break found on start, a failed write. */
  notice: (text: string) => void
  /** A full decisions.jsonl is renamed to the next decisions.<n>.jsonl. */
  maxFileBytes?: number
  /** How long written lines may wait for their fsync and anchor move (tests shorten or stretch it). */
  sealWindowMs?: number
  now?: () => Date
}

export const MAX_FILE_BYTES = 10 * 1024 * 1024

type Entry = Omit<DecisionEntry, 'seq' | 'prev'>

/** Where the chain ends on disk: what the next line chains to. */
interface Tail {
  prev: string
  lines: number
  /** Bytes in decisions.jsonl. */
  size: number
  lastRotated: number
  /** Kept in every anchor written from now on (see DecisionAnchor.breaks). */
  breaks: StoredBreak[]
  /** False when the anchor could not be read: it is then left alone rather than replaced. */
  anchorUsable: boolean
}

export function entryFor(record: DecisionRecord, time: Date): Entry {
  // Built field by field in line order, with no spread objects: one of these is made per
  // tool call, and each spread made a throwaway object of its own.
  const entry: Entry = { time: time.toISOString(), server: record.server, tool: record.tool }
  if (record.client !== undefined) entry.client = record.client
  entry.decision = record.decision
  entry.how = record.how
  if (record.rule !== undefined) entry.rule = record.rule
  if (record.arguments !== undefined) {
    entry.argsHash = record.argumentsHash ?? argumentsHash(record.arguments)
    entry.args = argumentsPreview(record.arguments)
  }
  if (record.editedArgumentsHash !== undefined) entry.editedArgsHash = record.editedArgumentsHash
  return entry
}

/**
 * Decisions that come within this window share one write: once written, a crash of the bridge
 * loses none of them (the kernel has them). Short, because a decision waiting for its write
 * outlives the young generation's collections and is promoted: at a quarter second the waiting
 * ones grew the old generation under load by some 10 MiB; a write without fsync is cheap.
 */
const BATCH_WINDOW_MS = 50

/**
 * Batches written within this window share one fsync and one anchor move, which only a crash of
 * the machine itself can make matter: the fsyncs, an encrypted anchor and its atomic rename cost
 * more CPU than relaying calls, and moved every quarter second under load they doubled the
 * bridge's CPU per allowed call. A lost machine loses at most this much of the log's end.
 */
const SEAL_WINDOW_MS = 2000

export function openDecisionLog(logsFolder: string, options: DecisionLogOptions): DecisionLog {
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES
  const sealWindowMs = options.sealWindowMs ?? SEAL_WINDOW_MS
  const now = options.now ?? (() => new Date())
  const currentPath = join(logsFolder, CURRENT_FILE)
  /** Decisions waiting for their batch, as made: their lines are worked out in the batch. */
  let pending: { record: DecisionRecord; time: Date }[] = []
  let tail: Tail | undefined
  let handle: FileHandle | undefined
  let draining: Promise<void> | undefined
  let closed = false
  let writeFailed = false
  let anchorFailed = false
  /** Lines written since the last fsync and anchor move. */
  let unsealed = false
  let sealDue = false
  let lastSeal = -Infinity
  let sealTimer: NodeJS.Timeout | undefined

  // Starts the next batch after `delayMs`; a call with no delay (flushed, close) starts a waiting
  // batch at once.
  let wake: (() => void) | undefined
  const kick = (delayMs = 0): Promise<void> => {
    if (draining) {
      if (delayMs === 0) wake?.()
      return draining
    }
    draining = new Promise<void>((resolve) => {
      const timer = delayMs > 0 ? setTimeout(resolve, delayMs) : setImmediate(resolve)
      wake = () => {
        clearTimeout(timer as NodeJS.Timeout)
        clearImmediate(timer as NodeJS.Immediate)
        resolve()
      }
    })
      .then(() => {
        wake = undefined
        return drain()
      })
      .finally(() => {
        draining = undefined
        // A decision that arrived while the last batch was being anchored starts the next one.
        if (pending.length) void kick(BATCH_WINDOW_MS)
        else if (sealDue && unsealed) void kick()
      })
    return draining
  }

  const drain = async (): Promise<void> => {
    while (pending.length || !tail || (sealDue && unsealed)) {
      try {
        tail ??= await load()
        const batch = pending
        pending = []
        if (batch.length)
          await append(
            tail,
            batch.map(({ record, time }) => entryFor(record, time)),
          )
        if (unsealed && (sealDue || performance.now() - lastSeal >= sealWindowMs)) await seal(tail)
        else if (unsealed) sealLater()
        writeFailed = false
      } catch (error) {
        tail = undefined // read the end of the chain from disk again before the next batch
        await handle?.close().catch(() => undefined)
        handle = undefined
        if (!writeFailed)
          options.notice(
            `Could not write the decision log ${currentPath}: ${(error as Error).message}. The bridge goes on; decisions made meanwhile are not logged.`,
          )
        writeFailed = true
        pending = []
        return
      }
    }
  }

  const load = async (): Promise<Tail> => {
    await mkdir(logsFolder, { recursive: true, mode: 0o700 })
    const chain = await readChainFiles(logsFolder)
    const current = chain.files.at(-1)?.name === CURRENT_FILE ? chain.files.at(-1) : undefined
    if (current?.cutShort) {
      // A write cut short by a crash: never anchored (the anchor follows the fsync), so it is dropped.
      current.lines.pop()
      current.cutShort = false
      await truncate(currentPath, wholeLinesSize(current.lines))
      options.notice(
        `The last line of ${currentPath} was incomplete (the bridge stopped while writing it) and was removed.`,
      )
    }
    const size = current ? wholeLinesSize(current.lines) : 0
    const hashes = chain.files.flatMap((file) =>
      file.lines.map((line, index) => ({ file: file.name, line: index + 1, hash: hashLine(line) })),
    )
    const next: Tail = {
      prev: hashes.at(-1)?.hash ?? GENESIS,
      lines: hashes.length,
      size,
      lastRotated: chain.lastRotated,
      breaks: [],
      anchorUsable: true,
    }
    let anchor: DecisionAnchor | undefined
    try {
      anchor = await options.anchor.read()
    } catch (error) {
      next.anchorUsable = false
      options.notice(
        `Decisions are logged, but the anchor that pins the end of the log is left alone: ${(error as Error).message}`,
      )
    }
    if (next.anchorUsable) {
      next.breaks = [...(anchor?.breaks ?? [])]
      const found = checkAnchorReach(hashes, anchor)
      if (found) {
        next.breaks.push({ at: now().toISOString(), ...found })
        options.notice(
          `The decision log no longer matches its anchor (${found.kind}: ${found.detail}). Decisions are still logged; \`${command('log --verify')}\` names the first line that does not fit.`,
        )
      } else if (anchor && anchor.lines < next.lines) {
        options.notice(
          `${next.lines - anchor.lines} decisions in ${currentPath} were written after its anchor was last moved (the bridge stopped first); they are anchored now.`,
        )
      }
      if (found || (anchor && anchor.lines < next.lines)) await writeAnchor(next)
    }
    await migrateLegacy(next)
    return next
  }

  const migrateLegacy = async (into: Tail): Promise<void> => {
    const legacyPath = join(logsFolder, LEGACY_FILE)
    let text: string
    try {
      text = await readFile(legacyPath, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    const entries = migrateLegacyLines(text)
    // Written and anchored before the old file is renamed: a crash in between repeats the migration rather than losing it.
    await append(into, entries)
    await seal(into)
    const keptAs = await freeName(logsFolder, `${LEGACY_FILE}.migrated`)
    await rename(legacyPath, join(logsFolder, keptAs))
    options.notice(
      `Carried ${entries.length} earlier decisions from ${legacyPath} into the hash-chained ${currentPath} (marked "migrated"); the old file is kept as ${join(logsFolder, keptAs)}.`,
    )
  }

  const append = async (into: Tail, entries: Entry[]): Promise<void> => {
    let chunk = ''
    let chunkBytes = 0
    for (const entry of entries) {
      const line = chainLine(entry, into.lines + 1, into.prev)
      const bytes = Buffer.byteLength(line) + 1
      if (into.size + chunkBytes > 0 && into.size + chunkBytes + bytes > maxFileBytes) {
        await writeOut(chunk)
        chunk = ''
        chunkBytes = 0
        await rotate(into)
      }
      chunk += `${line}\n`
      chunkBytes += bytes
      into.prev = hashLine(line)
      into.lines += 1
    }
    await writeOut(chunk)
    into.size += chunkBytes
    unsealed = true
  }

  /** On disk, then anchored: the anchor never names a line the disk might not have. */
  const seal = async (into: Tail): Promise<void> => {
    clearTimeout(sealTimer)
    sealTimer = undefined
    sealDue = false
    await handle?.datasync()
    unsealed = false
    lastSeal = performance.now()
    await writeAnchor(into)
  }

  /** Lines written but not sealed are sealed when the window ends, even if no decision follows. */
  const sealLater = (): void => {
    if (sealTimer) return
    sealTimer = setTimeout(
      () => {
        sealTimer = undefined
        sealDue = true
        void kick()
      },
      Math.max(0, sealWindowMs - (performance.now() - lastSeal)),
    )
    // A bridge with nothing else to do may exit: close() seals what is left.
    sealTimer.unref()
  }

  const writeOut = async (text: string): Promise<void> => {
    if (!text) return
    handle ??= await open(currentPath, 'a', 0o600)
    await handle.write(text)
  }

  const rotate = async (into: Tail): Promise<void> => {
    if (handle) {
      await handle.datasync()
      await handle.close()
      handle = undefined
    }
    into.lastRotated += 1
    await rename(currentPath, join(logsFolder, rotatedName(into.lastRotated)))
    await syncFolder(logsFolder)
    into.size = 0
  }

  const writeAnchor = async (from: Tail): Promise<void> => {
    if (!from.anchorUsable) return
    try {
      await options.anchor.write({
        lines: from.lines,
        last: from.prev,
        ...(from.breaks.length ? { breaks: from.breaks } : {}),
      })
      anchorFailed = false
    } catch (error) {
      if (!anchorFailed)
        options.notice(
          `Could not move the decision log's anchor: ${(error as Error).message}. The log is written; \`log --verify\` will report its newest lines as not anchored.`,
        )
      anchorFailed = true
    }
  }

  const settle = async (): Promise<void> => {
    while (draining || pending.length || !tail || unsealed) {
      // Every pass: a batch that was under way when this began may have cleared it.
      sealDue = true
      await kick()
      if (writeFailed) return
    }
  }

  // Read the end of the chain, check it against the anchor and migrate the old log now, not at the first decision.
  void kick()
  return {
    write(record) {
      if (closed) return
      // The arguments' hash and preview are worked out with the batch, not on the call's path:
      // fifty in a row cost less than one at a time between requests.
      pending.push({ record, time: now() })
      // A decision on a held call (a person's, or a timeout's: rare, and the most worth keeping)
      // is sealed with its batch.
      if (record.how !== 'policy' && record.how !== 'round') sealDue = true
      void kick(BATCH_WINDOW_MS)
    },
    flushed: settle,
    async close() {
      closed = true
      await settle()
      await handle?.close().catch(() => undefined)
      handle = undefined
    },
  }
}

function wholeLinesSize(lines: Buffer[]): number {
  return lines.reduce((sum, line) => sum + line.length + 1, 0)
}

async function freeName(folder: string, base: string): Promise<string> {
  for (let number = 1; ; number++) {
    const name = number === 1 ? base : `${base}.${number}`
    try {
      await open(join(folder, name), 'r').then((file) => file.close())
    } catch {
      return name
    }
  }
}
