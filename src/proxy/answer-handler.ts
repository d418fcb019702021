// undici's dispatch() handler for one upstream answer. request() would wrap the answer in its own
// body stream with an AbortSignal hook and an async resource per request; this hands the bytes to
// a plain Readable instead, pausing the upstream socket when the client reads slowly.
import { Readable } from 'node:stream'
import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
import type { UpstreamResponse } from './upstream.js'

export class AnswerHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined
  #body: Readable | undefined
  /** Set when the client went away before undici started the request. */
  #abortReason: Error | undefined
  /** The answer arrived whole or failed: destroying its body afterwards aborts nothing. */
  #ended = false

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

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx interim answers are not the answer.
    if (statusCode < 200) return
    const body = new Readable({
      read: () => controller.resume(),
      destroy: (error, done) => {
        // The reader stopped early (client gone, answer dropped): the upstream request ends too.
        if (!this.#ended) controller.abort(error ?? abortError())
        done(error)
      },
    })
    this.#body = body
    this.#resolve({ statusCode, headers, body })
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#body && !this.#body.push(chunk)) controller.pause()
  }

  onResponseEnd(): void {
    this.#ended = true
    this.#body?.push(null)
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#ended = true
    if (this.#body) this.#body.destroy(error)
    else this.#reject(error)
  }
}

/** The same error undici's request() gives for an aborted request, so callers tell it apart alike. */
function abortError(): Error {
  const error = new Error('The client went away.')
  error.name = 'AbortError'
  return error
}
