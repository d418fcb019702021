// Which policy governs a tool call: the tool's own rule, else the server's, else `ask`. An
// "always allow" given on the approvals page holds only while the tool's definition is the
// one the person saw; a reworded description or widened schema makes the call ask again.
import type { Policy, ServerEntry, ToolRule } from '../config/schema.js'
import { definitionFingerprint, type ToolDefinition } from './tool-catalog.js'

export interface PolicyVerdict {
  policy: Policy
  /** The definition the person approved, when the server has changed it since. */
  changedSince?: { description?: string; inputSchema?: unknown }
}

export function decide(entry: Pick<ServerEntry, 'policy' | 'tools'>, tool: string, current?: ToolDefinition): PolicyVerdict {
  const rule: ToolRule | undefined = entry.tools?.[tool]
  if (rule === undefined) return { policy: entry.policy ?? 'ask' }
  if (typeof rule === 'string') return { policy: rule }
  const approved = rule.approvedDefinition
  // A definition not seen yet cannot be compared; the model can only have learned the tool from
  // a tools/list that passed through here, which records it.
  if (rule.policy === 'allow' && approved && current && (current.fingerprint ?? definitionFingerprint(current)) !== approved.fingerprint) {
    return {
      policy: 'ask',
      changedSince: {
        ...(approved.description !== undefined ? { description: approved.description } : {}),
        ...(approved.inputSchema !== undefined ? { inputSchema: approved.inputSchema } : {}),
      },
    }
  }
  return { policy: rule.policy }
}
