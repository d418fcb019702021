// What a person changed in a call's arguments before approving it, said in a few exact words
// for the model: the tool ran with arguments it did not send, and it must know which ones, or
// it will misread the result. Objects are compared property by property (nested ones too);
// anything else, arrays included, is compared whole and reported whole, values cut short.
import { canonicalJson } from '../canonical-json.js'
import { jsonPath } from './schema-check.js'

export type ArgumentChange =
  | { kind: 'changed'; path: Array<string | number>; before: unknown; after: unknown }
  | { kind: 'added'; path: Array<string | number>; after: unknown }
  | { kind: 'removed'; path: Array<string | number>; before: unknown }

/** Each value shown at most this long; the note stays small whatever the arguments hold. */
const VALUE_CHARS = 60
/** Changes listed at most; the rest are counted. */
const LISTED_CHANGES = 10

export function diffArguments(
  before: unknown,
  after: unknown,
  path: Array<string | number> = [],
): ArgumentChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const changes: ArgumentChange[] = []
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key))
        changes.push({ kind: 'removed', path: [...path, key], before: before[key] })
      else changes.push(...diffArguments(before[key], after[key], [...path, key]))
    }
    for (const key of Object.keys(after)) {
      if (!Object.hasOwn(before, key))
        changes.push({ kind: 'added', path: [...path, key], after: after[key] })
    }
    return changes
  }
  return canonicalJson(before) === canonicalJson(after)
    ? []
    : [{ kind: 'changed', path, before, after }]
}

/** True when the edit changes nothing the tool would see (key order and spacing do not count). */
export function isSameArguments(before: unknown, after: unknown): boolean {
  return canonicalJson(before ?? {}) === canonicalJson(after ?? {})
}

/**
 * The text block appended to the tool's result, e.g.
 * `Note from the bridge: before approving this call, the person changed its arguments, and the
 * tool ran with the changed ones. $.city: "Paris" → "Lyon"; $.note: removed (was "x").`
 */
export function editNote(before: unknown, after: unknown): string {
  const changes = diffArguments(before ?? {}, after)
  const listed = changes.slice(0, LISTED_CHANGES).map(describeChange)
  const more = changes.length - listed.length
  return `Note from the bridge: before approving this call, the person changed its arguments, and the tool ran with the changed ones, not the ones you sent. ${listed.join('; ')}${more > 0 ? `; and ${more} more change${more === 1 ? '' : 's'}` : ''}.`
}

function describeChange(change: ArgumentChange): string {
  const where = jsonPath(change.path)
  switch (change.kind) {
    case 'changed':
      return `${where}: ${shortJson(change.before)} → ${shortJson(change.after)}`
    case 'added':
      return `${where}: added ${shortJson(change.after)}`
    case 'removed':
      return `${where}: removed (was ${shortJson(change.before)})`
  }
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined'
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
