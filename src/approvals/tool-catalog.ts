// What each server's tools look like, learned from the tools/list answers that pass through
// the bridge: the page shows a tool's description, and an "always allow" is bound to the
// definition the person saw, so a server cannot widen it by rewording the tool later.
import { createHash } from 'node:crypto'
import { canonicalJson } from '../canonical-json.js'

export interface ToolDefinition {
  name: string
  description?: string
  inputSchema?: unknown
  /** MCP tool annotations (readOnlyHint, …): hints from the server, trusted only where a person said so. */
  annotations?: unknown
  /** definitionFingerprint() of this definition, computed once when it was recorded. */
  fingerprint?: string
}

export class ToolCatalog {
  readonly #servers = new Map<string, Map<string, ToolDefinition>>()
  /** Told of each list as it is recorded (read-only tools are bound to the definitions first seen). */
  readonly #onRecord: ((server: string, tools: ToolDefinition[]) => void) | undefined

  constructor(options: { onRecord?: (server: string, tools: ToolDefinition[]) => void } = {}) {
    this.#onRecord = options.onRecord
  }

  record(server: string, tools: ToolDefinition[]): void {
    const known = this.#servers.get(server) ?? new Map<string, ToolDefinition>()
    const recorded: ToolDefinition[] = []
    for (const tool of tools) {
      if (typeof tool?.name !== 'string') continue
      const definition: ToolDefinition = {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        inputSchema: tool.inputSchema,
        ...(tool.annotations !== undefined ? { annotations: tool.annotations } : {}),
      }
      const entry = { ...definition, fingerprint: definitionFingerprint(definition) }
      known.set(tool.name, entry)
      recorded.push(entry)
    }
    this.#servers.set(server, known)
    this.#onRecord?.(server, recorded)
  }

  /** Every definition known for `server`. */
  list(server: string): ToolDefinition[] {
    return [...(this.#servers.get(server)?.values() ?? [])]
  }

  get(server: string, tool: string): ToolDefinition | undefined {
    return this.#servers.get(server)?.get(tool)
  }
}

/** A stable fingerprint of what a person approved: the description and the input schema. */
export function definitionFingerprint(
  definition: Pick<ToolDefinition, 'description' | 'inputSchema'>,
): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        description: definition.description ?? '',
        inputSchema: definition.inputSchema ?? null,
      }),
    )
    .digest('base64url')
}
