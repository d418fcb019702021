// Knowing that a client went away without paying for an AbortController on every request: the
// plain upstream sender listens through onGone (and aborts through undici's dispatcher); the
// AbortSignal that held calls and translators use is made only when one of them asks for it.
import type { ServerResponse } from 'node:http'
import type { GoneNotice } from './upstream.js'

export class ClientGone implements GoneNotice {
  #gone = false
  #listeners: (() => void)[] | undefined
  #controller: AbortController | undefined

  constructor(res: ServerResponse) {
    res.once('close', () => {
      if (!res.writableFinished) this.#fire()
    })
  }

  /** True once the client closed its connection before its answer was complete. */
  get gone(): boolean {
    return this.#gone
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController()
      if (this.#gone) this.#controller.abort()
    }
    return this.#controller.signal
  }

  onGone(listener: () => void): void {
    if (this.#gone) listener()
    else (this.#listeners ??= []).push(listener)
  }

  #fire(): void {
    this.#gone = true
    this.#controller?.abort()
    const listeners = this.#listeners
    this.#listeners = undefined
    if (listeners) for (const listener of listeners) listener()
  }
}
