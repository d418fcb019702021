// HTTP toward the bridge for the stdio relay: node:http with a keep-alive agent. Its built-in
// parser costs no extra memory, where undici's WebAssembly parser adds about 15 MiB to a
// process that relays one client's lines.
import { Agent, request, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

export class StdioHttp {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 16 })
  readonly #url: URL
  /** An in-process connection to the bridge (`stdio --standalone`) instead of a TCP one. */
  readonly #connect: (() => Duplex) | undefined

  constructor(url: URL, connect?: () => Duplex) {
    this.#url = url
    this.#connect = connect
  }

  /** Sends one request; resolves with the answer once its headers arrive. */
  send(
    method: string,
    headers: Record<string, string>,
    body?: string,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      // Without an agent, node:http uses createConnection for the one request.
      const connection = this.#connect
        ? { createConnection: this.#connect }
        : { agent: this.#agent }
      const sent = request(
        this.#url,
        {
          method,
          headers:
            body === undefined
              ? headers
              : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          ...connection,
          ...(signal ? { signal } : {}),
        },
        resolve,
      )
      sent.once('error', reject)
      sent.end(body)
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}

/** Reads and drops an answer's body, freeing its connection. */
export function drain(answer: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    answer.resume()
    answer.once('end', resolve)
    answer.once('error', () => resolve())
    answer.once('close', () => resolve())
  })
}
