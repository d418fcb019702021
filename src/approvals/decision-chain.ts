// The hash chain of the decision log: each line is one JSON record that names its place in the
// chain (`seq`) and the SHA-256 of the exact bytes of the line before it (`prev`). Changing a
// byte of any line breaks the `prev` of the next one; removing or moving lines breaks `seq` and
// `prev` together. The end of the chain is pinned by an anchor kept apart from the log (sealed
// with the token store's key), so cutting lines off the end, or rewriting the whole chain, shows
// too. Pure functions only: reading and writing files is decision-files.ts and decision-log.ts.
import { hash } from 'node:crypto'

/** The `prev` of the first line: a fixed value, so a chain cannot start anywhere else. */
export const GENESIS = '0'.repeat(64)

/** One line of logs/decisions.jsonl, its keys written in this order. */
export interface DecisionEntry {
  /** The line's place in the whole chain, from 1, across rotated files. */
  seq: number
  /** When the decision was made (ISO 8601, UTC); missing only on an old line that could not be read. */
  time?: string
  server?: string
  tool?: string
  /** The MCP client that asked, when the bridge knew its name. */
  client?: string
  decision?: 'allow' | 'deny'
  /** Who or what decided: policy, page, terminal, timeout, shutdown, disconnect, cancelled. */
  how?: string
  /** The rule that governed the call: "tool policy", "server policy", "default ask", … */
  rule?: string
  /** SHA-256 (hex) of the canonical JSON of the arguments. */
  argsHash?: string
  /** A redacted, capped picture of the arguments (argument-preview.ts). */
  args?: unknown
  /** SHA-256 (hex) of the arguments a person edited before approving; the upstream ran these. */
  editedArgsHash?: string
  /** Carried over from the plain-text decisions.log of earlier versions. */
  migrated?: true
  /** An old line that could not be read, kept as text (cut short). */
  unparsed?: string
  /** SHA-256 (hex) of the previous line's bytes, or GENESIS. */
  prev: string
}

/** Kept apart from the log: how many lines the chain had and the hash of the newest. */
export interface DecisionAnchor {
  lines: number
  last: string
  /**
   * What the bridge found on starting when the log no longer reached its anchor (lines cut off,
   * the newest anchored line changed). The bridge then goes on writing, so the finding is kept
   * here, where an edit of the log cannot remove it.
   */
  breaks?: StoredBreak[]
}

export interface StoredBreak {
  /** When the bridge noticed. */
  at: string
  kind: BreakKind
  detail: string
  file?: string
  line?: number
}

export type BreakKind = 'edited' | 'missing' | 'reordered' | 'cut off at the end' | 'no anchor'

/** The first place where the log does not fit its chain or its anchor. */
export interface ChainBreak {
  kind: BreakKind
  /** The file and 1-based line number (within that file) of the line that does not fit. */
  file: string
  line: number
  detail: string
  /** Set when the bridge found this on an earlier start and recorded it in the anchor. */
  foundAt?: string
}

/** One file of the chain, oldest first, its lines as the exact bytes between newlines. */
export interface ChainFile {
  name: string
  lines: Buffer[]
  /** The last line has no newline: a write cut short (or an edit). */
  cutShort?: boolean
}

export interface ChainReport {
  decisions: number
  /** Lines newer than the anchor: written, but the anchor was not updated before the bridge stopped (or it is still running). */
  unanchored: number
  broken?: ChainBreak
}

export function hashLine(line: Buffer | string): string {
  // Once per logged decision: the one-shot hash makes no Hash object to collect.
  return hash('sha256', line, 'hex')
}

/** Every field of an entry, named in the order a line writes them; undefined ones are left out of the line. */
type EntryInLineOrder = { [K in keyof DecisionEntry]-?: DecisionEntry[K] | undefined }

/** The exact text of a line (without its newline). */
export function chainLine(
  entry: Omit<DecisionEntry, 'seq' | 'prev'>,
  seq: number,
  prev: string,
): string {
  const ordered: EntryInLineOrder = {
    seq,
    time: entry.time,
    server: entry.server,
    tool: entry.tool,
    client: entry.client,
    decision: entry.decision,
    how: entry.how,
    rule: entry.rule,
    argsHash: entry.argsHash,
    args: entry.args,
    editedArgsHash: entry.editedArgsHash,
    migrated: entry.migrated,
    unparsed: entry.unparsed,
    prev,
  }
  // JSON.stringify leaves out the undefined fields and escapes newlines: one record, one line.
  return JSON.stringify(ordered)
}

/** The record on a line, or undefined when the line is not one (not JSON, or no seq and prev). */
export function parseEntry(line: Buffer | string): DecisionEntry | undefined {
  let value: unknown
  try {
    value = JSON.parse(line.toString())
  } catch {
    return undefined
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined
  const entry = value as Partial<DecisionEntry>
  if (!Number.isInteger(entry.seq) || typeof entry.prev !== 'string') return undefined
  return entry as DecisionEntry
}

interface Placed {
  file: string
  line: number
  hash: string
  entry: DecisionEntry | undefined
}

/** Checks every line of every file against the chain and the anchor; stops at the first that does not fit. */
export function verifyChain(
  files: ChainFile[],
  anchor: DecisionAnchor | undefined,
  missingFiles: string[] = [],
): ChainReport {
  const placed: Placed[] = files.flatMap((file) =>
    file.lines.map((bytes, index) => ({
      file: file.name,
      line: index + 1,
      hash: hashLine(bytes),
      entry: parseEntry(bytes),
    })),
  )
  const total = placed.length
  const report = (broken: ChainBreak): ChainReport => ({ decisions: total, unanchored: 0, broken })
  const lastFile = files.at(-1)?.name ?? 'decisions.jsonl'
  const lostFiles = missingFiles.length
    ? ` (${missingFiles.join(', ')} ${missingFiles.length === 1 ? 'is' : 'are'} gone)`
    : ''

  for (let index = 0; index < total; index++) {
    const here = placed[index] as Placed
    const at = { file: here.file, line: here.line }
    const entry = here.entry
    if (!entry)
      return report({
        kind: 'edited',
        ...at,
        detail: 'the line is not a decision record any more (not JSON, or its seq or prev is gone)',
      })
    const expectedSeq = index + 1
    const expectedPrev = index === 0 ? GENESIS : (placed[index - 1] as Placed).hash
    const prevFits = entry.prev === expectedPrev
    const seqFits = entry.seq === expectedSeq
    if (prevFits && seqFits) continue
    if (prevFits) {
      // The line before is untouched (its hash is what this line recorded), so this line's seq was changed.
      return report({
        kind: 'edited',
        ...at,
        detail: `it says it is decision #${entry.seq}, but its place in the chain is #${expectedSeq}`,
      })
    }
    if (seqFits) {
      if (index === 0)
        return report({ kind: 'edited', ...at, detail: 'its prev is not the start of a chain' })
      // Either the line before was changed (its bytes no longer hash to this prev) or this line's prev was.
      // If this line still fits the one after it, this line is intact and the one before was edited.
      const next = placed[index + 1]
      const thisFitsAfter = next
        ? next.entry?.prev === here.hash
        : anchor && anchor.lines === expectedSeq
          ? anchor.last === here.hash
          : undefined
      if (thisFitsAfter === false)
        return report({
          kind: 'edited',
          ...at,
          detail: 'its prev does not match the line before it',
        })
      const before = placed[index - 1] as Placed
      return report({
        kind: 'edited',
        file: before.file,
        line: before.line,
        detail: `its bytes no longer hash to the prev that the next line (${here.file}:${here.line}) recorded`,
      })
    }
    const laterIndex = placed.findIndex(
      (other, otherIndex) => otherIndex > index && other.entry?.seq === expectedSeq,
    )
    if (laterIndex !== -1) {
      const later = placed[laterIndex] as Placed
      return report({
        kind: 'reordered',
        ...at,
        detail: `it holds decision #${entry.seq}, but #${expectedSeq} belongs here and comes later, at ${later.file}:${later.line}`,
      })
    }
    if (entry.seq > expectedSeq) {
      const gone = entry.seq - expectedSeq
      return report({
        kind: 'missing',
        ...at,
        detail: `${gone === 1 ? `decision #${expectedSeq} was` : `decisions #${expectedSeq}–#${entry.seq - 1} were`} removed before this line${lostFiles}`,
      })
    }
    return report({
      kind: 'reordered',
      ...at,
      detail: `decision #${entry.seq} appears again here, after #${expectedSeq - 1} (a copied or moved line)`,
    })
  }

  if (!anchor) {
    if (total === 0) return { decisions: 0, unanchored: 0 }
    return report({
      kind: 'no anchor',
      file: lastFile,
      line: files.at(-1)?.lines.length ?? 0,
      detail:
        'the anchor that pins the end of the log is gone, so lines cut off the end could not be noticed',
    })
  }
  if (anchor.lines > total) {
    const gone = anchor.lines - total
    return report({
      kind: 'cut off at the end',
      file: lastFile,
      line: (files.at(-1)?.lines.length ?? 0) + 1,
      detail: `the anchor records ${anchor.lines} decisions, the log holds ${total}: the last ${gone === 1 ? 'one is' : `${gone} are`} gone${lostFiles}`,
    })
  }
  if (anchor.lines > 0) {
    const pinned = placed[anchor.lines - 1] as Placed
    if (pinned.hash !== anchor.last) {
      return report({
        kind: 'edited',
        file: pinned.file,
        line: pinned.line,
        detail:
          'it does not match the anchor: this line, or one before it with every later prev recomputed, was rewritten',
      })
    }
  }
  const stored = anchor.breaks?.[0]
  if (stored) {
    return report({
      kind: stored.kind,
      file: stored.file ?? lastFile,
      line: stored.line ?? 0,
      detail: stored.detail,
      foundAt: stored.at,
    })
  }
  return { decisions: total, unanchored: total - anchor.lines }
}

/**
 * What the bridge checks when it starts, cheaply: does the log still reach its anchor, and is the
 * anchored line unchanged? The full walk is `log --verify`; this only keeps a cut-off end from
 * being hidden by the lines the bridge is about to append.
 */
export function checkAnchorReach(
  lineHashes: { file: string; line: number; hash: string }[],
  anchor: DecisionAnchor | undefined,
): Omit<StoredBreak, 'at'> | undefined {
  const total = lineHashes.length
  const last = lineHashes.at(-1)
  if (!anchor) {
    return total === 0
      ? undefined
      : {
          kind: 'no anchor',
          detail: `the log held ${total} decisions but no anchor pinned its end`,
          ...(last ? { file: last.file, line: last.line } : {}),
        }
  }
  if (anchor.lines > total) {
    const gone = anchor.lines - total
    return {
      kind: 'cut off at the end',
      detail: `the anchor recorded ${anchor.lines} decisions, the log held ${total}: the last ${gone === 1 ? 'one was' : `${gone} were`} gone`,
      ...(last ? { file: last.file, line: last.line + 1 } : { file: 'decisions.jsonl', line: 1 }),
    }
  }
  if (anchor.lines === 0) return undefined
  const pinned = lineHashes[anchor.lines - 1] as { file: string; line: number; hash: string }
  if (pinned.hash !== anchor.last) {
    return {
      kind: 'edited',
      detail:
        'the newest anchored line did not match the anchor: it, or the chain before it, was rewritten',
      file: pinned.file,
      line: pinned.line,
    }
  }
  return undefined
}
