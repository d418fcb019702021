// Server-sent events from a stream the bridge does not control (an HTTP+SSE upstream's session
// stream, the first event of a transport probe), on top of the project's parser (sse-lines.ts):
// with a bound on how much may arrive without an event, a byte order mark dropped, and a CRLF
// whose CR ends one chunk and whose LF starts the next read as one line end (WHATWG HTML §9.2.6).
import { SseLineParser } from './sse-lines.js'

export interface SseEvent {
  /** The event type; "message" when the server named none. */
  event: string
  data: string
  /** The last event id the stream set, as the spec keeps it across events. */
  id: string | undefined
}

const CR = 0x0d
const LF = 0x0a
const BOM = Buffer.from([0xef, 0xbb, 0xbf])

export class SseParser {
  readonly #lines: SseLineParser
  readonly #maxSize: number
  #first = true
  #skipLf = false
  /** Bytes pushed since the last event: the partial event, plus comments and empty events. */
  #sinceEvent = 0

  /** Throws from push() when more than `maxSize` bytes arrive without completing an event. */
  constructor(onEvent: (event: SseEvent) => void, maxSize: number) {
    this.#maxSize = maxSize
    this.#lines = new SseLineParser((message) => {
      this.#sinceEvent = 0
      onEvent({ event: message.event, data: message.data, id: this.#lines.lastEventId })
    })
  }

  push(chunk: Buffer | string): void {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    if (this.#first && bytes.byteLength > 0) {
      this.#first = false
      if (bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3)
    }
    if (this.#skipLf && bytes.byteLength > 0) {
      this.#skipLf = false
      if (bytes[0] === LF) bytes = bytes.subarray(1)
    }
    if (bytes.byteLength === 0) return
    // The CR has ended its line already; an LF at the start of the next chunk belongs to it.
    this.#skipLf = bytes[bytes.byteLength - 1] === CR
    this.#sinceEvent += bytes.byteLength
    this.#lines.push(bytes)
    if (this.#sinceEvent > this.#maxSize)
      throw new Error(`an event is larger than ${this.#maxSize} bytes`)
  }
}
