// `log [--server s] [--since 1h] [--json] [--verify]`: the approval decisions, read straight from
// logs/decisions*.jsonl (no running bridge needed); --verify walks the whole hash chain across
// the rotated files and checks its end against the sealed anchor.
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import {
  parseEntry,
  verifyChain,
  type ChainBreak,
  type DecisionEntry,
} from '../../approvals/decision-chain.js'
import { anchorFile, LEGACY_FILE, readChainFiles } from '../../approvals/decision-files.js'
import { BridgeError } from '../../errors.js'
import type { CliContext } from '../context.js'
import { terminalLine } from '../terminal-text.js'

export interface LogOptions {
  server?: string
  /** Milliseconds back from now (parsed by the command table). */
  since?: number
  json?: boolean
  verify?: boolean
}

export async function logCommand(ctx: CliContext, options: LogOptions): Promise<void> {
  if (
    options.verify &&
    (options.server !== undefined || options.since !== undefined || options.json)
  ) {
    throw new BridgeError(
      'BAD_USAGE',
      '--verify checks the whole log; it takes no --server, --since or --json.',
    )
  }
  await noteUnmigratedLog(ctx)
  if (options.verify) return verify(ctx)

  const { files } = await readChainFiles(ctx.paths.logs)
  const after = options.since === undefined ? undefined : Date.now() - options.since
  const shown = files
    .flatMap((file) => file.lines)
    .flatMap((line) => {
      const entry = parseEntry(line)
      if (!entry) return []
      if (options.server !== undefined && entry.server !== options.server) return []
      if (after !== undefined && !(entry.time !== undefined && Date.parse(entry.time) >= after))
        return []
      return [{ entry, line }]
    })
  if (options.json) {
    // The stored lines as they are: a script can hash them and follow the chain itself.
    for (const { line } of shown) ctx.out.result(line.toString('utf8'))
    return
  }
  if (shown.length === 0) {
    ctx.out.result(
      files.length === 0
        ? 'No decisions yet: they are logged once the bridge has judged a tool call.'
        : 'No decisions match.',
    )
    return
  }
  printTable(
    ctx,
    shown.map(({ entry }) => row(entry)),
  )
}

async function verify(ctx: CliContext): Promise<void> {
  const { files, missing } = await readChainFiles(ctx.paths.logs)
  const anchor = await anchorFile(ctx.paths.home, ctx.paths.key).read()
  const report = verifyChain(files, anchor, missing)
  if (report.broken) throw brokenChain(ctx, report.broken)
  ctx.out.result(
    `${report.decisions} ${report.decisions === 1 ? 'decision' : 'decisions'}, chain intact`,
  )
  if (report.unanchored > 0) {
    ctx.out.warn(
      `The newest ${report.unanchored} ${report.unanchored === 1 ? 'line is' : 'lines are'} not anchored yet (a running bridge is anchoring ${report.unanchored === 1 ? 'it' : 'them'}, or it stopped first): an edit there would not show until the bridge starts again.`,
    )
  }
}

const BROKEN_PHRASE: Record<Exclude<ChainBreak['kind'], 'cut off at the end'>, string> = {
  edited: 'was edited',
  missing: 'follows removed lines (missing)',
  reordered: 'is out of order (reordered)',
  'no anchor': 'ends a log whose anchor is gone',
}

/** Where the chain breaks, in words: `<file> line 3 was edited`. */
function whereBroken(file: string, broken: ChainBreak): string {
  if (broken.kind !== 'cut off at the end')
    return `${file} line ${broken.line} ${BROKEN_PHRASE[broken.kind]}`
  // The break names the first line that is gone, which the file does not hold: say it from the
  // last line that is there.
  const last = broken.line - 1
  return last > 0
    ? `${file}: the lines after line ${last} are missing (cut off at the end)`
    : `${file}: all its lines are missing (cut off at the end)`
}

function brokenChain(ctx: CliContext, broken: ChainBreak): BridgeError {
  const noticed = broken.foundAt
    ? ` (noticed by the bridge when it started, ${broken.foundAt})`
    : ''
  return new BridgeError(
    'DECISION_LOG_BROKEN',
    `The decision log does not verify: ${whereBroken(join(ctx.paths.logs, broken.file), broken)}; ${broken.detail}${noticed}.`,
    {
      hint: 'The lines from there on are not known to be the ones the bridge wrote. Keep a copy of the logs folder for inspection; the bridge goes on logging after them.',
    },
  )
}

interface Row {
  time: string
  server: string
  tool: string
  client: string
  decision: string
  how: string
}

function row(entry: DecisionEntry): Row {
  return {
    time: entry.time ? localMinute(new Date(entry.time)) : '-',
    server: terminalLine(entry.server ?? '-'),
    tool: entry.unparsed !== undefined ? '(old line, unreadable)' : terminalLine(entry.tool ?? '-'),
    client: terminalLine(entry.client ?? '-'),
    decision: terminalLine(entry.decision ?? '-'),
    how: `${terminalLine(entry.how ?? '-')}${entry.migrated ? ' (migrated)' : ''}`,
  }
}

function printTable(ctx: CliContext, rows: Row[]): void {
  const header: Row = {
    time: 'TIME',
    server: 'SERVER',
    tool: 'TOOL',
    client: 'CLIENT',
    decision: 'DECISION',
    how: 'HOW',
  }
  const columns = Object.keys(header) as Array<keyof Row>
  const widths = columns.map((column) =>
    Math.max(...[header, ...rows].map((line) => line[column].length)),
  )
  for (const line of [header, ...rows])
    ctx.out.result(
      columns
        .map((column, index) => line[column].padEnd(widths[index] as number))
        .join('  ')
        .trimEnd(),
    )
}

/** `2025-05-01 14:03` in the local time zone. */
function localMinute(time: Date): string {
  if (Number.isNaN(time.getTime())) return '-'
  const two = (value: number) => String(value).padStart(2, '0')
  return `${time.getFullYear()}-${two(time.getMonth() + 1)}-${two(time.getDate())} ${two(time.getHours())}:${two(time.getMinutes())}`
}

/** An old plain-text decisions.log is carried into the chain by the bridge when it starts. */
async function noteUnmigratedLog(ctx: CliContext): Promise<void> {
  const legacy = join(ctx.paths.logs, LEGACY_FILE)
  try {
    await access(legacy)
  } catch {
    return
  }
  ctx.out.warn(
    `${legacy} holds decisions from an earlier version; the bridge carries them into this log the next time it starts.`,
  )
}
