// Which sender serves each configured server: Streamable HTTP (the bridge's own pool) unless the
// server is configured with transport "sse", whose HTTP+SSE (2024-11-05) sender is made on first
// use, one per server, and replaced when the server's URL changes. A reloaded config.json closes
// the senders of servers removed, renamed, moved or no longer on "sse": their upstream streams
// would otherwise stay open with the old URL and token. The era translators (era/era-senders.ts)
// wrap what this returns.
import type { ServerEntry } from '../config/schema.js'
import { sendUpstream } from './forward.js'
import { createLegacySseSender, type LegacySseOptions, type LegacySseSender } from './legacy-sse.js'
import type { UpstreamSender } from './upstream.js'

export interface UpstreamSenders {
  /** For `BridgeAppOptions.senderFor`: Streamable HTTP, or this server's legacy SSE sender. */
  senderFor(name: string, entry: ServerEntry): UpstreamSender
  close(): Promise<void>
}

/** The senders this module makes, which a reloaded config.json can also trim. */
export interface ReloadableSenders extends UpstreamSenders {
  /** Closes the legacy senders that `servers` (the reloaded configuration) no longer keeps as they were. */
  retain(servers: Readonly<Record<string, ServerEntry>>): void
}

/** One legacy sender per configured server (made on first use, replaced when its URL changes). */
export function createUpstreamSenders(
  options: LegacySseOptions & { send?: UpstreamSender } = {},
): ReloadableSenders {
  // Streamable HTTP goes through the sender handed in (a bridge's own pool), else the shared one.
  const streamable = options.send ?? sendUpstream
  const legacy = new Map<string, { url: string; sender: LegacySseSender }>()
  const drop = (name: string) => {
    const current = legacy.get(name)
    if (!current) return
    legacy.delete(name)
    void current.sender.close()
  }
  return {
    senderFor(name, entry) {
      if (entry.transport !== 'sse') {
        drop(name)
        return streamable
      }
      let current = legacy.get(name)
      if (current && current.url !== entry.url) {
        drop(name)
        current = undefined
      }
      if (!current) {
        current = { url: entry.url, sender: createLegacySseSender(options) }
        legacy.set(name, current)
      }
      return current.sender.send
    },
    retain(servers) {
      for (const [name, current] of legacy) {
        const entry = Object.hasOwn(servers, name) ? servers[name] : undefined
        if (entry?.transport !== 'sse' || entry.url !== current.url) drop(name)
      }
    },
    async close() {
      const all = [...legacy.values()]
      legacy.clear()
      await Promise.all(all.map((entry) => entry.sender.close()))
    },
  }
}
