// Answers typed to `approvals watch`: single keys on a terminal, whole lines from a pipe (so
// another program can drive it). Only what is typed while a question is open counts: a key
// pressed before the question appeared, or right after it did, was meant for the call before.
import { emitKeypressEvents, createInterface } from 'node:readline'
import type { ReadStream } from 'node:tty'

export interface AnswerReader {
  /** The next answer typed while asking; undefined when `signal` aborts or the input ends. */
  next(signal: AbortSignal): Promise<string | undefined>
  close(): void
}

/** How long keys are ignored after a question appears: a second press of a fast double tap belongs to the call before. */
const KEY_GUARD_MS = 400

type Waiter = (answer: string | undefined) => void

function waitFor(
  setWaiter: (waiter: Waiter | undefined) => void,
  signal: AbortSignal,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined)
    const done = (answer: string | undefined) => {
      setWaiter(undefined)
      signal.removeEventListener('abort', onAbort)
      resolve(answer)
    }
    const onAbort = () => done(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
    setWaiter(done)
  })
}

/** Raw mode on a terminal: one key answers; Ctrl-C and Ctrl-D call `onInterrupt` (raw mode sends no SIGINT). */
export function keyAnswers(stdin: ReadStream, onInterrupt: () => void): AnswerReader {
  let waiter: Waiter | undefined
  let armedAt = 0
  emitKeypressEvents(stdin)
  stdin.setRawMode(true)
  stdin.resume()
  const onKey = (
    text: string | undefined,
    key: { name?: string; ctrl?: boolean; meta?: boolean } | undefined,
  ) => {
    if (key?.ctrl && (key.name === 'c' || key.name === 'd')) return onInterrupt()
    if (!waiter || Date.now() < armedAt || key?.ctrl || key?.meta || !text || text.length !== 1)
      return
    waiter(text)
  }
  stdin.on('keypress', onKey)
  return {
    next(signal) {
      armedAt = Date.now() + KEY_GUARD_MS
      return waitFor((next) => (waiter = next), signal)
    },
    close() {
      stdin.off('keypress', onKey)
      stdin.setRawMode(false)
      stdin.pause()
    },
  }
}

/**
 * Line by line from a pipe; a line that comes while no question is open goes to `onStray`, and
 * the caller decides whether it answers the next question. `onEnd` runs when the input ends.
 */
export function lineAnswers(
  stdin: NodeJS.ReadableStream,
  on: { stray: (line: string) => void; end: () => void },
): AnswerReader {
  let waiter: Waiter | undefined
  let closing = false
  const lines = createInterface({ input: stdin, terminal: false, crlfDelay: Infinity })
  lines.on('line', (line) => (waiter ? waiter(line) : on.stray(line)))
  lines.on('close', () => {
    waiter?.(undefined)
    if (!closing) on.end()
  })
  return {
    next: (signal) => waitFor((next) => (waiter = next), signal),
    close() {
      closing = true
      lines.close()
      ;(stdin as NodeJS.ReadableStream & { pause?: () => void }).pause?.()
    },
  }
}
