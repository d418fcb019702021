// What the decision log keeps of a call's arguments: a hash that pins the exact arguments (so a
// person can later check "was it this call?") and a short preview for reading the log. The
// preview must never carry a credential or a document: fields with secret-looking names are
// blanked (the same names the request log blanks), words shaped like tokens are blanked, strings
// are cut short and the whole preview is capped.
import { hash } from 'node:crypto'
import { canonicalJson } from '../canonical-json.js'

/** Field names whose values are never written out; the request log blanks the same names. */
export const SECRET_KEY =
  /token|secret|password|passwd|authorization|api[-_]?key|credential|cookie/i

const STRING_CHARS = 40
const ITEMS_PER_LEVEL = 8
const DEPTH = 3
const PREVIEW_CHARS = 400
const REDACTED = '[redacted]'

/** SHA-256 (hex) of the canonical JSON of the arguments: equal arguments, equal hash, whatever the key order. */
export function argumentsHash(args: unknown): string {
  // One call per logged decision: the one-shot hash makes no Hash object to collect.
  return hash('sha256', canonicalJson(args ?? {}), 'hex')
}

/** A small, credential-free picture of the arguments, at most PREVIEW_CHARS of JSON. */
export function argumentsPreview(args: unknown): unknown {
  const full = previewOf(args, DEPTH)
  if (JSON.stringify(full).length <= PREVIEW_CHARS) return full
  // Too big: keep only the shape of the top level, which still says what kind of call it was.
  const shallow = previewOf(args, 1)
  if (JSON.stringify(shallow).length <= PREVIEW_CHARS) return shallow
  return `[${describeSize(args)}, not shown]`
}

function previewOf(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return previewString(value)
  if (value === null || typeof value !== 'object')
    return typeof value === 'bigint' ? String(value) : value
  if (depth === 0) return `[${describeSize(value)}]`
  if (Array.isArray(value)) {
    const items = value.slice(0, ITEMS_PER_LEVEL).map((item) => previewOf(item, depth - 1))
    return value.length > ITEMS_PER_LEVEL
      ? [...items, `[${value.length - ITEMS_PER_LEVEL} more]`]
      : items
  }
  const entries = Object.entries(value as Record<string, unknown>)
  const preview: Record<string, unknown> = {}
  for (const [key, item] of entries.slice(0, ITEMS_PER_LEVEL)) {
    preview[previewString(key)] = SECRET_KEY.test(key) ? REDACTED : previewOf(item, depth - 1)
  }
  if (entries.length > ITEMS_PER_LEVEL)
    preview['[more]'] = `${entries.length - ITEMS_PER_LEVEL} more fields`
  return preview
}

/** Blanks token-shaped words first, so a cut never leaves the first 40 characters of a key behind. */
function previewString(text: string): string {
  const blanked = text.replace(/\S{16,}/g, (word) => (looksLikeToken(word) ? REDACTED : word))
  return blanked.length > STRING_CHARS ? `${blanked.slice(0, STRING_CHARS)}…` : blanked
}

/**
 * A long run of letters mixed with digits and no spaces: API keys, bearer tokens, JWTs, the
 * bridge's own `mob_` token. Words and paths rarely look like this; when one does, losing it from
 * a preview costs little, while keeping a key would put it in every backup of the logs.
 */
function looksLikeToken(word: string): boolean {
  const core = word.replace(/^["'(<[]+|["')>\],.;:]+$/g, '')
  return (
    core.length >= 16 &&
    /^[A-Za-z0-9._~+/=-]+$/.test(core) &&
    /[0-9]/.test(core) &&
    /[A-Za-z]/.test(core)
  )
}

function describeSize(value: unknown): string {
  if (Array.isArray(value)) return `${value.length} items`
  if (value && typeof value === 'object') return `${Object.keys(value).length} fields`
  return typeof value
}
