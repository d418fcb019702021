// Time windows ("Allow for 1 hour"): kept beside the tool's plain rule, so when one closes the
// rule the tool had is simply in force again; nothing is restored and an expired window is inert.
import type { ApprovedDefinition, ServerEntry, TimeWindow } from '../../config/schema.js'
import { definitionFingerprint, type ToolDefinition } from '../tool-catalog.js'
import { ownEntry } from '../own-entry.js'

export function windowEnd(window: TimeWindow): number {
  return Date.parse(window.until)
}

/** The tool's window if it is still open at `now`. */
export function openWindow(
  entry: Pick<ServerEntry, 'windows'>,
  tool: string,
  now: number,
): TimeWindow | undefined {
  const window = ownEntry(entry.windows, tool)
  return window && windowEnd(window) > now ? window : undefined
}

/** Every window still open, soonest end first. */
export function openWindows(
  entry: Pick<ServerEntry, 'windows'>,
  now: number,
): Array<{ tool: string; until: number; bound: boolean }> {
  return Object.entries(entry.windows ?? {})
    .map(([tool, window]) => ({
      tool,
      until: windowEnd(window),
      bound: window.approvedDefinition !== undefined,
    }))
    .filter((window) => window.until > now)
    .sort((a, b) => a.until - b.until)
}

/**
 * Opens (or replaces) the tool's window for `seconds`, bound to `definition` when the person saw
 * one, and drops the windows that have ended.
 */
export function setWindow(
  entry: ServerEntry,
  tool: string,
  seconds: number,
  definition: ToolDefinition | undefined,
  now: number,
): TimeWindow {
  const window: TimeWindow = {
    until: new Date(now + seconds * 1000).toISOString(),
    ...(definition ? { approvedDefinition: approvedDefinitionOf(definition) } : {}),
  }
  entry.windows = { ...entry.windows, [tool]: window }
  pruneWindows(entry, now)
  return window
}

/** Ends the tool's window now; false when it had none open. */
export function endWindow(entry: ServerEntry, tool: string, now: number): boolean {
  const wasOpen = openWindow(entry, tool, now) !== undefined
  if (entry.windows) delete entry.windows[tool]
  pruneWindows(entry, now)
  return wasOpen
}

/** Ended windows change nothing; they are dropped on the next write so config.json stays readable. */
export function pruneWindows(entry: ServerEntry, now: number): void {
  if (!entry.windows) return
  for (const [tool, window] of Object.entries(entry.windows))
    if (!(windowEnd(window) > now)) delete entry.windows[tool]
  if (Object.keys(entry.windows).length === 0) delete entry.windows
}

export function approvedDefinitionOf(definition: ToolDefinition): ApprovedDefinition {
  return {
    fingerprint: definitionFingerprint(definition),
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    ...(definition.inputSchema !== undefined ? { inputSchema: definition.inputSchema } : {}),
  }
}
