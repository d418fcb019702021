// The rule changes the running bridge writes itself: a window opened from the approvals page or
// `approvals approve --for`, a window ended from the dashboard, a rule set on the dashboard, and
// the read-only definitions recorded as tools are first seen. Each is a read-modify-write of
// config.json under its lock (an atomic rename), which the bridge's file watcher reloads.
import type { BridgePaths } from '../../config/paths.js'
import type { BridgeConfig } from '../../config/schema.js'
import { updateConfig } from '../../config/store.js'
import type { ToolDefinition } from '../tool-catalog.js'
import { ownEntry } from '../own-entry.js'
import { unrecordedDefinitions } from './read-only.js'
import { applyRuleEdit, checkRuleEdit, type RuleEdit, type RuleEditProblem } from './rule-edits.js'
import { endWindow, setWindow } from './windows.js'

export function writeWindow(
  paths: BridgePaths,
  server: string,
  tool: string,
  definition: ToolDefinition,
  seconds: number,
): Promise<BridgeConfig> {
  return updateConfig(paths, (config) => {
    const entry = ownEntry(config.servers, server)
    if (entry) setWindow(entry, tool, seconds, definition, Date.now())
  })
}

/** False when the tool had no open window (it ended, or someone ended it already). */
export async function writeEndWindow(
  paths: BridgePaths,
  server: string,
  tool: string,
): Promise<{ config: BridgeConfig; wasOpen: boolean }> {
  let wasOpen = false
  const config = await updateConfig(paths, (current) => {
    const entry = ownEntry(current.servers, server)
    if (entry) wasOpen = endWindow(entry, tool, Date.now())
  })
  return { config, wasOpen }
}

/**
 * Records the read-only fingerprints of the tools not seen since read-only was turned on;
 * undefined when there was nothing new (no write, so no reload loop).
 */
export async function recordReadOnlyTools(
  paths: BridgePaths,
  current: BridgeConfig,
  server: string,
  tools: ToolDefinition[],
): Promise<BridgeConfig | undefined> {
  const entry = ownEntry(current.servers, server)
  if (!entry?.readOnly || Object.keys(unrecordedDefinitions(entry, tools)).length === 0)
    return undefined
  return updateConfig(paths, (config) => {
    const saved = ownEntry(config.servers, server)
    if (!saved?.readOnly) return
    // Recorded as first seen: a definition already recorded is never replaced here.
    saved.readOnly.definitions = {
      ...unrecordedDefinitions(saved, tools),
      ...saved.readOnly.definitions,
    }
  })
}

export type RuleEditWrite =
  { ok: true; config: BridgeConfig; summary: string } | { ok: false; problem: RuleEditProblem }

/** Thrown inside the config update to leave config.json unwritten. */
class RuleEditRefused extends Error {
  readonly problem: RuleEditProblem
  constructor(problem: RuleEditProblem) {
    super(problem.message)
    this.problem = problem
  }
}

/**
 * A rule a person set on the dashboard. A refused change (a bad expression, a server or rule
 * that is gone) never reaches the file: config.json stays byte for byte as it was.
 */
export async function writeRuleEdit(
  paths: BridgePaths,
  server: string,
  edit: RuleEdit,
): Promise<RuleEditWrite> {
  const refused = await checkRuleEdit(edit)
  if (refused) return { ok: false, problem: refused }
  let summary = ''
  try {
    const config = await updateConfig(paths, (current) => {
      const entry = ownEntry(current.servers, server)
      if (!entry)
        throw new RuleEditRefused({
          message: `There is no server named ${JSON.stringify(server)} any more.`,
        })
      const applied = applyRuleEdit(entry, edit, Date.now())
      if (!applied.ok) throw new RuleEditRefused(applied.problem)
      summary = applied.summary
    })
    return { ok: true, config, summary }
  } catch (error) {
    if (error instanceof RuleEditRefused) return { ok: false, problem: error.problem }
    throw error
  }
}
