// A small parser for text/event-stream (WHATWG HTML §9.2 "Parsing an event stream"): chunks in,
// whole events out, lines split on CR, LF or CRLF, `data:` lines joined with newlines.
import { StringDecoder } from 'node:string_decoder'

export interface SseMessage {
  event: string
  data: string
  id: string | undefined
}

export class SseLineParser {
  readonly #decoder = new StringDecoder('utf8')
  readonly #onEvent: (event: SseMessage) => void
  #rest = ''
  #data: string[] = []
  #event = ''
  #id: string | undefined
  /** The id of the last event, kept across events for a reconnect's Last-Event-ID. */
  lastEventId: string | undefined

  constructor(onEvent: (event: SseMessage) => void) {
    this.#onEvent = onEvent
  }

  push(chunk: Buffer): void {
    const text = this.#rest + this.#decoder.write(chunk)
    const lines = text.split(/\r\n|\r|\n/)
    // A CR at the very end may be the first half of a CRLF: keep it with the unfinished line.
    this.#rest = lines.pop() ?? ''
    for (const line of lines) this.#line(line)
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch()
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.#data.push(value)
    else if (field === 'event') this.#event = value
    else if (field === 'id' && !value.includes('\0')) this.#id = value
  }

  #dispatch(): void {
    if (this.#id !== undefined) this.lastEventId = this.#id
    if (this.#data.length > 0)
      this.#onEvent({ event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id })
    this.#data = []
    this.#event = ''
    this.#id = undefined
  }
}
