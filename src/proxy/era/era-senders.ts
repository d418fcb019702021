// Chooses, per request, between passing it through and translating it: when the client's era
// (wire.ts) is the upstream's, the request goes to the ordinary sender untouched; only when they
// differ does a translator stand in between (`basic/versioning.mdx` §Compatibility Matrix: the
// two mixed rows fail without one). The upstream's era comes from config.json (`era`, recorded
// at `add`); without it, the first request the upstream accepts shows it (no extra request on
// the way). A 400 that hints at the other era makes the bridge probe and save what it finds. A
// reloaded config.json ends the translators of servers it no longer keeps at the same URL.
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import type { ServerEntry } from '../../config/schema.js'
import {
  sendUpstream as sendShared,
  type UpstreamRequest,
  type UpstreamResponse,
  type UpstreamSender,
} from '../forward.js'
import type { ReloadableSenders } from '../upstream-senders.js'
import { probeUpstreamEra } from './runtime-probe.js'
import { suggestsOtherEra } from './era-probe.js'
import { createToLegacySender } from './to-legacy.js'
import { createToModernSender, type TranslatingSender } from './to-modern.js'
import {
  LEGACY,
  MODERN,
  clientEraOf,
  header,
  isBridgeAnswer,
  type Era,
  type Message,
} from './wire.js'

export interface EraSendersOptions {
  /** Saves an era found at run time in the server's config.json entry (if it still has this URL). */
  saveEra: (name: string, url: string, era: Era) => Promise<void>
  /** How the bridge probes; tests may replace it. */
  probe?: (request: UpstreamRequest) => Promise<Era | undefined>
  /** Plain Streamable HTTP toward the upstream: the bridge's own connection pool. */
  send?: UpstreamSender
}

interface Translators {
  url: string
  toModern?: TranslatingSender
  toLegacy?: { send: UpstreamSender; close(): void }
}

export function createEraSenders(
  inner: ReloadableSenders,
  options: EraSendersOptions,
): ReloadableSenders {
  const plainHttp = options.send ?? sendShared
  const probe =
    options.probe ?? ((request: UpstreamRequest) => probeUpstreamEra(request, plainHttp))
  /** Eras found at run time, until the reloaded config.json says the same. */
  const found = new Map<string, { url: string; era: Era }>()
  const probing = new Map<string, Promise<Era | undefined>>()
  const translators = new Map<string, Translators>()

  const eraOf = (name: string, entry: ServerEntry): Era | undefined => {
    const known = found.get(name)
    if (known && known.url === entry.url) {
      if (entry.era !== known.era) return known.era
      found.delete(name)
    }
    return entry.era
  }

  const detect = (
    name: string,
    entry: ServerEntry,
    request: UpstreamRequest,
  ): Promise<Era | undefined> => {
    let running = probing.get(name)
    if (!running) {
      running = probe(request)
        .then((era) => {
          if (era) remember(name, entry, era)
          return era
        })
        .finally(() => probing.delete(name))
      probing.set(name, running)
    }
    return running
  }

  const translatorsOf = (name: string, entry: ServerEntry): Translators => {
    let current = translators.get(name)
    if (current && current.url !== entry.url) {
      closeTranslators(current)
      current = undefined
    }
    if (!current) translators.set(name, (current = { url: entry.url }))
    return current
  }

  const route = (
    name: string,
    entry: ServerEntry,
    era: Era | undefined,
    passthrough: UpstreamSender,
    request: UpstreamRequest,
  ): Promise<UpstreamResponse> => {
    if (era === undefined || clientEraOf(request) === era) return passthrough(request)
    const set = translatorsOf(name, entry)
    return era === MODERN
      ? (set.toModern ??= createToModernSender(plainHttp)).send(request)
      : (set.toLegacy ??= createToLegacySender(plainHttp)).send(request)
  }

  const remember = (name: string, entry: ServerEntry, era: Era) => {
    if (found.get(name)?.era === era) return
    found.set(name, { url: entry.url, era })
    void options.saveEra(name, entry.url, era).catch(() => undefined)
  }

  /**
   * An upstream of unknown era that just accepted a request shows its era without a probe: a
   * modern request, or a 2025 POST without a session (an initialize). Nothing extra is sent.
   */
  const learnFrom = (name: string, entry: ServerEntry, request: UpstreamRequest) => {
    const era = clientEraOf(request)
    if (
      era === MODERN ||
      (request.method === 'POST' && header(request, 'mcp-session-id') === undefined)
    )
      remember(name, entry, era)
  }

  async function send(
    name: string,
    entry: ServerEntry,
    passthrough: UpstreamSender,
    request: UpstreamRequest,
  ): Promise<UpstreamResponse> {
    const era = eraOf(name, entry)
    const response = await route(name, entry, era, passthrough, request)
    if (era === undefined && response.statusCode >= 200 && response.statusCode < 300)
      learnFrom(name, entry, request)
    // Only a 400 can mean the era changed: every other answer goes on at once.
    if (response.statusCode !== 400 || isBridgeAnswer(response)) return response
    const expected = era ?? clientEraOf(request)
    const said = await text(response.body).catch(() => '')
    const rebuilt = { ...response, body: Readable.from([Buffer.from(said)]) }
    if (!suggestsOtherEra(expected, messagesIn(said))) return rebuilt
    const now = await detect(name, entry, request)
    if (now === undefined || now === expected) return rebuilt
    // A 2025 client with a session the old upstream gave it keeps using that id with the translator.
    const sessionId = header(request, 'mcp-session-id')
    if (now === MODERN && sessionId !== undefined)
      (translatorsOf(name, entry).toModern ??= createToModernSender(plainHttp)).adopt(
        sessionId,
        request.caller,
        header(request, 'mcp-protocol-version') ?? LEGACY,
      )
    return route(name, entry, now, passthrough, request)
  }

  const wrapped = new WeakMap<ServerEntry, UpstreamSender>()
  return {
    senderFor(name, entry) {
      const passthrough = inner.senderFor(name, entry)
      // The older HTTP+SSE transport is 2024-11-05 by definition: nothing to choose.
      if (entry.transport === 'sse') return passthrough
      let sender = wrapped.get(entry)
      if (!sender)
        wrapped.set(entry, (sender = (request) => send(name, entry, passthrough, request)))
      return sender
    },
    retain(servers) {
      // A removed, moved or HTTP+SSE server's translators end now: their sessions and listens
      // would otherwise keep the old URL's streams open until shutdown.
      for (const [name, set] of translators) {
        const entry = Object.hasOwn(servers, name) ? servers[name] : undefined
        if (entry?.url === set.url && entry.transport !== 'sse') continue
        closeTranslators(set)
        translators.delete(name)
      }
      for (const [name, known] of found)
        if (!Object.hasOwn(servers, name) || servers[name]?.url !== known.url) found.delete(name)
      inner.retain(servers)
    },
    async close() {
      for (const set of translators.values()) closeTranslators(set)
      translators.clear()
      await inner.close()
    },
  }
}

function closeTranslators(set: Translators): void {
  set.toModern?.close()
  set.toLegacy?.close()
}

function messagesIn(said: string): Message[] {
  try {
    const value: unknown = JSON.parse(said)
    return (Array.isArray(value) ? value : [value]) as Message[]
  } catch {
    return []
  }
}
