// undici's dispatch() handler for one upstream answer. request() would wrap the answer in its own
// body stream with an AbortSignal hook and an async resource per request; this keeps the bytes
// itself and makes a plain Readable only when a reader asks for `body`. A small JSON answer is
// taken whole (wholeAnswer below) and never becomes a stream at all: that is the common tool
// call, and the stream's state, buffer list and listeners were most of what it allocated. An SSE
// answer's relay takes its chunks straight from here (answerSource below), also without a stream.
import { Readable } from 'node:stream'
import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
import type { ChunkSink, ChunkSource } from './chunk-source.js'
import type { UpstreamResponse } from './upstream.js'

/** Bytes kept before any reader asked for them; past this the upstream socket is paused. */
const UNREAD_LIMIT = 64 * 1024

/**
 * The handler behind an answer it resolved with. A copy (`{ ...answer, body }`) carries it too,
 * but copying reads `body`, which makes the stream, after which whole() declines.
 */
const HANDLER = Symbol('answer handler')

/**
 * The whole body of an answer straight from its handler, without a stream; undefined when the
 * answer is not one this module made or its body stream was already taken (read `body` then).
 */
export function wholeAnswer(answer: UpstreamResponse): Promise<Buffer> | undefined {
  return (answer as { [HANDLER]?: AnswerHandler })[HANDLER]?.whole()
}

/**
 * The body of an answer this module made as a chunk source fed by the dispatcher itself;
 * undefined when the answer is another sender's or its body was already taken another way.
 */
export function answerSource(answer: UpstreamResponse): AnswerSource | undefined {
  return (answer as { [HANDLER]?: AnswerHandler })[HANDLER]?.source()
}

export interface AnswerSource extends ChunkSource {
  /** Some of the body is already here: what the reader writes first can carry the headers. */
  readonly arrived: boolean
}

export class AnswerHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined
  /** Set when the client went away before undici started the request. */
  #abortReason: Error | undefined
  /** The answer's head arrived (and the send promise is settled). */
  #started = false
  /** The answer arrived whole or failed: destroying its body afterwards aborts nothing. */
  #ended = false
  #failure: Error | undefined
  /** What arrived before anyone read it. */
  #chunks: Buffer[] = []
  #size = 0
  #body: Readable | undefined
  /** The reader that took the body through source(). */
  #sink: ChunkSink | undefined
  #tapped = false
  #waiting: { resolve: (body: Buffer) => void; reject: (error: Error) => void } | undefined

  readonly #resolve: (answer: UpstreamResponse) => void
  readonly #reject: (error: Error) => void

  constructor(resolve: (answer: UpstreamResponse) => void, reject: (error: Error) => void) {
    this.#resolve = resolve
    this.#reject = reject
  }

  /** Stops the upstream request: before its answer starts, or in the middle of its body. */
  abort(reason: Error = abortError()): void {
    if (this.#controller) this.#controller.abort(reason)
    else this.#abortReason = reason
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    if (this.#abortReason) controller.abort(this.#abortReason)
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // undici keeps the raw header buffers on the controller, which lives as long as the answer;
    // the parsed headers are all the bridge reads. Dropped, they no longer outlive young-generation
    // collections under load: 0.84× the CPU per JSON call and a smaller old generation in one run.
    controller.rawHeaders = null
    // 1xx interim answers are not the answer.
    if (statusCode < 200) return
    this.#started = true
    // Inside the getter `this` is the answer, so the stream is reached through an arrow made here.
    const stream = () => this.#stream()
    // `body` is an own, enumerable getter, so `{ ...answer, headers }` still carries a body.
    const answer: UpstreamResponse & { [HANDLER]: AnswerHandler } = {
      statusCode,
      headers,
      get body() {
        return stream()
      },
      [HANDLER]: this,
    }
    this.#resolve(answer)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#sink) return this.#sink.data(chunk)
    if (this.#body) {
      if (!this.#body.push(chunk)) controller.pause()
      return
    }
    this.#chunks.push(chunk)
    this.#size += chunk.byteLength
    if (this.#size > UNREAD_LIMIT && !this.#waiting) controller.pause()
  }

  onResponseEnd(): void {
    this.#ended = true
    if (this.#sink) this.#sink.end()
    else if (this.#body) this.#body.push(null)
    else this.#waiting?.resolve(this.#takeChunks())
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#ended = true
    this.#failure = error
    if (this.#sink) this.#sink.error(error)
    else if (this.#body) this.#body.destroy(error)
    else if (this.#waiting) this.#waiting.reject(error)
    else if (!this.#started) this.#reject(error)
  }

  /** The body in one Buffer once it has all arrived; undefined once a stream was made of it. */
  whole(): Promise<Buffer> | undefined {
    if (this.#body || this.#waiting || this.#tapped) return undefined
    if (this.#failure) return Promise.reject(this.#failure)
    if (this.#ended) return Promise.resolve(this.#takeChunks())
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject }
      this.#controller?.resume()
    })
  }

  /** The body as a chunk source; undefined once it was taken whole or as a stream. */
  source(): AnswerSource | undefined {
    if (this.#body || this.#waiting || this.#tapped) return undefined
    this.#tapped = true
    // A reader that pauses while it takes what already arrived keeps the upstream paused.
    let paused = false
    // Inside the getter `this` is the source, so the handler's state is read through an arrow.
    const arrived = () => this.#chunks.length > 0 || this.#ended
    return {
      get arrived() {
        return arrived()
      },
      start: (sink) => {
        const chunks = this.#chunks
        this.#chunks = []
        for (const chunk of chunks) sink.data(chunk)
        if (this.#failure) return sink.error(this.#failure)
        if (this.#ended) return sink.end()
        this.#sink = sink
        if (!paused) this.#controller?.resume()
      },
      pause: () => {
        paused = true
        this.#controller?.pause()
      },
      resume: () => {
        paused = false
        this.#controller?.resume()
      },
      destroy: () => {
        if (!this.#ended) this.#controller?.abort(abortError())
      },
    }
  }

  #takeChunks(): Buffer {
    const chunks = this.#chunks
    this.#chunks = []
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#size)
  }

  /** The body as a stream, made on first use with what already arrived. */
  #stream(): Readable {
    if (this.#body) return this.#body
    if (this.#tapped) throw new Error("This answer's body is already being relayed.")
    const controller = this.#controller
    const body = new Readable({
      read: () => controller?.resume(),
      destroy: (error, done) => {
        // The reader stopped early (client gone, answer dropped): the upstream request ends too.
        if (!this.#ended) controller?.abort(error ?? abortError())
        done(error)
      },
    })
    this.#body = body
    if (this.#failure) {
      body.destroy(this.#failure)
      return body
    }
    for (const chunk of this.#chunks) body.push(chunk)
    this.#chunks = []
    if (this.#ended) body.push(null)
    return body
  }
}

/** The same error undici's request() gives for an aborted request, so callers tell it apart alike. */
function abortError(): Error {
  const error = new Error('The client went away.')
  error.name = 'AbortError'
  return error
}
