// Keeps track of which requests an SSE answer has answered so far, as its bytes pass through, so
// that if the upstream breaks off the bridge can answer exactly the ones still owed. It only
// reads: the stream goes to the client untouched, and once every request is answered it stops
// looking at all (the usual case: the response is the last event of a POST's stream).
import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import type { JsonRpcId } from './jsonrpc.js'

const EVENT_END = /\r\n\r\n|\n\n|\r\r/g

export class AnswerWatch {
  readonly #owed = new Map<string, JsonRpcId>()
  readonly #decoder = new StringDecoder('utf8')
  /** The text of the event under way (the part after the last complete event). */
  #partial = ''
  #body: Readable | undefined

  constructor(ids: JsonRpcId[]) {
    for (const id of ids) this.#owed.set(idKey(id), id)
  }

  /** Starts reading along; call after the body is piped, so watching does not start its flow early. */
  watch(body: Readable): void {
    if (this.#owed.size === 0) return
    this.#body = body
    body.on('data', this.#onData)
  }

  /** Reads one chunk of the answer, for a relay that hands them over itself. */
  push(chunk: Buffer): void {
    if (this.#owed.size > 0) this.#onData(chunk)
  }

  /** The requests not answered by a complete event yet. */
  owed(): JsonRpcId[] {
    return [...this.#owed.values()]
  }

  /** True when the client holds part of an event, so what the bridge writes must start a new one. */
  midEvent(): boolean {
    return this.#partial.length > 0
  }

  readonly #onData = (chunk: Buffer | string): void => {
    const before = this.#partial.length
    this.#partial += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk)
    // An event end split across chunks starts at most three characters back.
    EVENT_END.lastIndex = Math.max(0, before - 3)
    let start = 0
    for (
      let match = EVENT_END.exec(this.#partial);
      match !== null;
      match = EVENT_END.exec(this.#partial)
    ) {
      this.#settle(this.#partial.slice(start, match.index))
      start = match.index + match[0].length
    }
    this.#partial = this.#partial.slice(start)
    if (this.#owed.size === 0) {
      this.#body?.off('data', this.#onData)
      this.#partial = ''
    }
  }

  #settle(event: string): void {
    const data = event
      .split(/\r\n|\r|\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
      .join('\n')
    // Notifications (progress, logs) carry no "id": most events are skipped without parsing.
    if (!data.includes('"id"')) return
    let value: unknown
    try {
      value = JSON.parse(data)
    } catch {
      return
    }
    for (const message of Array.isArray(value) ? value : [value]) {
      if (typeof message !== 'object' || message === null) continue
      const { id, method } = message as { id?: JsonRpcId; method?: unknown }
      if (method === undefined && id !== undefined && ('result' in message || 'error' in message))
        this.#owed.delete(idKey(id))
    }
  }
}

/** Ids compare by JSON value: 1 and "1" are different requests. */
function idKey(id: JsonRpcId): string {
  return JSON.stringify(id)
}
