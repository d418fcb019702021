// Streamable HTTP for most servers; one HTTP+SSE (2024-11-05) translator per server configured with transport "sse".
// The older HTTP+SSE transport's module (and undici) load when the bridge is warmed.
// Clients of the other MCP era than their upstream's are translated (src/proxy/era/); the era
// found on first use is saved in the server's entry.
import type { BridgePaths } from '../../config/paths.js'
import type { UpstreamEra } from '../../config/schema.js'
import { updateConfig } from '../../config/store.js'
import type { UpstreamSender } from '../../proxy/upstream.js'
import type { BridgeParts } from '../bridge.js'

export function upstreamSenders(paths: BridgePaths): BridgeParts['senders'] {
  const saveEra = (name: string, url: string, era: UpstreamEra) =>
    updateConfig(paths, (current) => {
      const saved = current.servers[name]
      if (saved?.url === url) saved.era = era
    }).then(() => undefined)
  return (send: UpstreamSender) =>
    Promise.all([
      import('../../proxy/upstream-senders.js'),
      import('../../proxy/era/era-senders.js'),
    ]).then(([legacy, era]) => {
      // A reload reaches the translators and the HTTP+SSE senders (retain), whose upstream
      // streams outlive a request.
      return era.createEraSenders(legacy.createUpstreamSenders({ send }), { saveEra, send })
    })
}
