// One bridge: the request handler with everything it owns. Its parts (configuration, tokens,
// approvals, log, the transports toward upstreams) are handed in; the upstream connection pool
// and the per-server senders are its own and end with close(), so a second bridge in the same
// process starts with connections of its own instead of a pool the first one closed.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ServerEntry } from '../config/schema.js'
import { UpstreamHttp } from '../proxy/upstream-http.js'
import type { UpstreamSender } from '../proxy/upstream.js'
import { createBridgeHandler, type BridgeAppOptions } from './app.js'

/** Transports toward the configured servers, by name (Streamable HTTP, HTTP+SSE, era translation). */
export interface UpstreamSenders {
  senderFor(name: string, entry: ServerEntry): UpstreamSender
  /** Closes what serves servers the reloaded configuration no longer keeps as they were. */
  retain?(servers: Readonly<Record<string, ServerEntry>>): void
  close(): Promise<void>
}

export interface BridgeParts extends Omit<BridgeAppOptions, 'senderFor'> {
  /** Builds the senders over this bridge's own Streamable HTTP pool (loaded after listening starts). */
  senders: (http: UpstreamSender) => Promise<UpstreamSenders>
}

export class Bridge {
  readonly #http = new UpstreamHttp()
  readonly #parts: BridgeParts
  #senders: UpstreamSenders | undefined
  #loading: Promise<UpstreamSenders> | undefined
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void

  constructor(parts: BridgeParts) {
    this.#parts = parts
    this.handle = createBridgeHandler({
      ...parts,
      senderFor: (name, entry) => this.#senderFor(name, entry),
    })
  }

  /** Loads undici and the senders ahead of the first request (start-up does not wait for them). */
  warm(): void {
    void this.#http.warm()
    void this.#sendersReady().catch(() => undefined)
  }

  /** Ends the HTTP+SSE sessions and translators first: their clients' GET streams would hold a server close. */
  async endSessions(): Promise<void> {
    const senders = this.#senders
    this.#senders = undefined
    this.#loading = undefined
    await senders?.close()
  }

  /** config.json was reloaded: upstream streams of removed, renamed or moved servers end now. */
  retain(servers: Readonly<Record<string, ServerEntry>>): void {
    this.#senders?.retain?.(servers)
  }

  async close(): Promise<void> {
    await this.endSessions()
    await this.#http.close()
  }

  #sendersReady(): Promise<UpstreamSenders> {
    this.#loading ??= this.#parts
      .senders(this.#http.send)
      .then((senders) => (this.#senders = senders))
    return this.#loading
  }

  #senderFor(name: string, entry: ServerEntry): UpstreamSender {
    const senders = this.#senders
    if (senders) return senders.senderFor(name, entry)
    return (request) => this.#sendersReady().then((ready) => ready.senderFor(name, entry)(request))
  }
}
