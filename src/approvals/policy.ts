// Which policy governs a tool call: the tool's own entry, else the server's, else `ask`.
import type { Policy, ServerEntry } from '../config/schema.js'

export function decide(entry: Pick<ServerEntry, 'policy' | 'tools'>, tool: string): Policy {
  return entry.tools?.[tool] ?? entry.policy ?? 'ask'
}
