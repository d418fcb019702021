// "Read-only tools run without asking": trusts the server's `annotations.readOnlyHint`, but only
// for the definition first seen after the person turned it on. A server that later adds the hint
// to a tool, or changes a hinted tool, gets asked about again until the person turns it on anew.
import { createHash } from 'node:crypto'
import type { ServerEntry } from '../../config/schema.js'
import { canonicalJson } from '../../canonical-json.js'
import type { ToolDefinition } from '../tool-catalog.js'
import { ownEntry } from '../own-entry.js'

const fingerprints = new WeakMap<ToolDefinition, string>()

/** Like definitionFingerprint(), and the annotations too: here the hint itself is what is trusted. */
export function readOnlyFingerprint(definition: ToolDefinition): string {
  let fingerprint = fingerprints.get(definition)
  if (fingerprint === undefined) {
    fingerprint = createHash('sha256')
      .update(
        canonicalJson({
          description: definition.description ?? '',
          inputSchema: definition.inputSchema ?? null,
          annotations: definition.annotations ?? null,
        }),
      )
      .digest('base64url')
    fingerprints.set(definition, fingerprint)
  }
  return fingerprint
}

export function hasReadOnlyHint(definition: ToolDefinition): boolean {
  const annotations = definition.annotations as { readOnlyHint?: unknown } | undefined
  return annotations?.readOnlyHint === true
}

export type ReadOnlyCheck = { qualifies: true } | { qualifies: false; reason: string }

export function checkReadOnly(
  entry: Pick<ServerEntry, 'readOnly'>,
  tool: string,
  current: ToolDefinition | undefined,
): ReadOnlyCheck {
  if (!entry.readOnly) return { qualifies: false, reason: 'off' }
  if (!current) return { qualifies: false, reason: 'the bridge has not seen this tool listed yet' }
  if (!hasReadOnlyHint(current))
    return { qualifies: false, reason: 'the server does not mark this tool readOnlyHint' }
  const bound = ownEntry(entry.readOnly.definitions, tool)
  if (bound === undefined)
    return {
      qualifies: false,
      reason: 'the tool is not recorded yet (it is, the next time the server lists its tools)',
    }
  if (bound !== readOnlyFingerprint(current)) {
    return {
      qualifies: false,
      reason:
        'the tool changed since read-only was turned on; confirm again with `policy <server> read-only allow`',
    }
  }
  return { qualifies: true }
}

/**
 * The tools of `listed` not yet recorded, with their fingerprints: each is recorded as first
 * seen, hinted or not, so a hint added later is a change that asks again.
 */
export function unrecordedDefinitions(
  entry: Pick<ServerEntry, 'readOnly'>,
  listed: ToolDefinition[],
): Record<string, string> {
  if (!entry.readOnly) return {}
  // Null-prototype, so a tool named "__proto__" is recorded as an entry like any other.
  const fresh: Record<string, string> = Object.create(null) as Record<string, string>
  for (const tool of listed)
    if (ownEntry(entry.readOnly.definitions, tool.name) === undefined)
      fresh[tool.name] = readOnlyFingerprint(tool)
  return fresh
}
