// Earlier versions wrote decisions as plain text lines (`<time> <server> "<tool>" allow|deny
// <how>`) to logs/decisions.log. Those lines are carried into the chain once, marked
// `migrated: true` with whatever could be read, so the history stays in one place.
import type { DecisionEntry } from './decision-chain.js'

type MigratedEntry = Omit<DecisionEntry, 'seq' | 'prev'>

const LEGACY_LINE = /^(\S+) (\S+) ("(?:[^"\\]|\\.)*") (allow|deny) (\S+)$/
const UNPARSED_CHARS = 200

export function migrateLegacyLines(text: string): MigratedEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(migrateLine)
}

function migrateLine(line: string): MigratedEntry {
  const match = LEGACY_LINE.exec(line)
  const time =
    match && !Number.isNaN(Date.parse(match[1] as string)) ? (match[1] as string) : undefined
  const tool = match ? parseTool(match[3] as string) : undefined
  if (!match || time === undefined || tool === undefined) {
    return {
      migrated: true,
      unparsed: line.length > UNPARSED_CHARS ? `${line.slice(0, UNPARSED_CHARS)}…` : line,
    }
  }
  return {
    time,
    server: match[2] as string,
    tool,
    decision: match[4] as 'allow' | 'deny',
    how: match[5] as string,
    migrated: true,
  }
}

function parseTool(quoted: string): string | undefined {
  try {
    const tool: unknown = JSON.parse(quoted)
    return typeof tool === 'string' ? tool : undefined
  } catch {
    return undefined
  }
}
