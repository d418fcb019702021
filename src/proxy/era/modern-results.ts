// A 2025 upstream's answers, written for a 2026-07-28 client: every result names its
// `resultType` (`basic/index.mdx` §ResultType: SDK v2 clients refuse modern results without it),
// cacheable results carry cache hints (`server/utilities/caching.mdx`), and `server/discover` is
// answered from the upstream's InitializeResult (`server/discover.mdx`).
import { MODERN, SERVER_INFO_META, isRecord, type Message } from './wire.js'

/** Results that MUST carry `ttlMs` and `cacheScope` (caching.mdx §Cacheable Results). */
const CACHEABLE = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'server/discover',
])

/**
 * `ttlMs: 0` (stale at once): a 2025 server gives no hint how long its lists hold, and the
 * bridge's tools/list changes with local policy. `private`: the answer came with this bridge's
 * token, and must not be shared beyond it.
 */
const CACHE_HINTS = { ttlMs: 0, cacheScope: 'private' }

export function discoverResult(initialized: Record<string, unknown>): Record<string, unknown> {
  const serverInfo = isRecord(initialized.serverInfo) ? initialized.serverInfo : undefined
  return {
    resultType: 'complete',
    supportedVersions: [MODERN],
    capabilities: isRecord(initialized.capabilities) ? initialized.capabilities : {},
    ...(typeof initialized.instructions === 'string'
      ? { instructions: initialized.instructions }
      : {}),
    ...CACHE_HINTS,
    ...(serverInfo ? { _meta: { [SERVER_INFO_META]: serverInfo } } : {}),
  }
}

/** The modern client's view of one upstream message, with its own request id back in place. */
export function modernMessage(message: Message, method: string, clientId: Message['id']): Message {
  if (typeof message.method === 'string') return message
  const answered = { ...message, id: clientId }
  if (!isRecord(message.result)) return answered
  return {
    ...answered,
    result: {
      resultType: 'complete',
      ...(CACHEABLE.has(method) ? CACHE_HINTS : {}),
      ...message.result,
    },
  }
}
