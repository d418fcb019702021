// The calls `approvals watch` has yet to ask about, in arrival order, and the one it is asking
// about now. The stream feeds it (snapshots, arrivals, departures); the prompt takes from it.
import type { Decision, PendingCall } from '../approvals/queue.js'

export interface AskedCall {
  call: PendingCall
  /** Resolves when the call stops waiting while it is being asked (decided elsewhere, withdrawn). */
  gone: Promise<Decision | undefined>
  /** The decision the bridge reported, once gone. */
  departure(): { decision: Decision | undefined } | undefined
}

interface Current {
  call: PendingCall
  leave: (decision: Decision | undefined) => void
  left?: { decision: Decision | undefined }
}

export class HeldCallLine {
  #waiting: PendingCall[] = []
  /** Every call ever taken in: one asked or settled before a reconnect's snapshot is not asked again. */
  readonly #seen = new Set<string>()
  #current: Current | undefined
  #wake: (() => void) | undefined

  /** How many calls wait behind the one being asked. */
  get waiting(): number {
    return this.#waiting.length
  }

  add(call: PendingCall): void {
    if (this.#seen.has(call.id)) return
    this.#seen.add(call.id)
    // Arrival order, even when a snapshot and an event cross.
    const after = this.#waiting.findIndex((other) => other.createdAt > call.createdAt)
    if (after === -1) this.#waiting.push(call)
    else this.#waiting.splice(after, 0, call)
    this.#wake?.()
  }

  remove(id: string, decision: Decision | undefined): void {
    if (this.#current?.call.id === id) this.#current.leave(decision)
    this.#waiting = this.#waiting.filter((call) => call.id !== id)
  }

  /** The bridge's full list: what is not on it any more has left. */
  sync(pending: PendingCall[]): void {
    const ids = new Set(pending.map((call) => call.id))
    if (this.#current && !ids.has(this.#current.call.id)) this.#current.leave(undefined)
    this.#waiting = this.#waiting.filter((call) => ids.has(call.id))
    for (const call of pending) this.add(call)
  }

  /** The next call to ask about, once there is one; undefined if `signal` aborts first. */
  async next(signal: AbortSignal): Promise<AskedCall | undefined> {
    while (this.#waiting.length === 0) {
      if (signal.aborted) return undefined
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#wake = undefined
          signal.removeEventListener('abort', done)
          resolve()
        }
        this.#wake = done
        signal.addEventListener('abort', done, { once: true })
      })
    }
    if (signal.aborted) return undefined
    const call = this.#waiting.shift() as PendingCall
    let leave!: (decision: Decision | undefined) => void
    const gone = new Promise<Decision | undefined>((resolve) => (leave = resolve))
    const current: Current = {
      call,
      leave: (decision) => {
        if (current.left) return
        current.left = { decision }
        leave(decision)
      },
    }
    this.#current = current
    return { call, gone, departure: () => current.left }
  }

  /** The asked call is done with (answered or gone). */
  finish(): void {
    this.#current = undefined
  }
}
