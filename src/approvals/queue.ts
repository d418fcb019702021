// Held tool calls waiting for a person. The ApprovalQueue is a seam: today one bridge process
// keeps them in memory; a team deployment could put the same interface on a shared channel.
import { randomBytes } from 'node:crypto'

export type DecisionKind = 'approve' | 'deny'
/** How a call was settled, for the decisions log and the text the model reads. */
export type DecisionSource =
  'page' | 'terminal' | 'timeout' | 'shutdown' | 'disconnect' | 'cancelled'

export interface Decision {
  kind: DecisionKind
  source: DecisionSource
  /** "Always allow this tool": the page asks for it, the bridge writes the policy. */
  always?: boolean
  /** "Allow for 1 hour": approve, and let the tool run without asking for this many seconds. */
  forSeconds?: number
  /**
   * "Approve edited": the arguments the call runs with instead of the client's, already checked
   * against the tool's input schema by whoever took the decision (approvals-api.ts).
   */
  arguments?: Record<string, unknown>
}

export interface CallToApprove {
  server: string
  tool: string
  description?: string
  /** The tool's current input schema, when the bridge has seen its definition. */
  inputSchema?: unknown
  /** False when the definition is unknown: an "always allow" could not be bound to what the person saw. */
  canAlwaysAllow: boolean
  arguments: unknown
  /** The name the client gave at initialize, when known. */
  client?: string
  /** Set when an "always allow" was given for an earlier definition of this tool. */
  changedSinceApproval?: { description?: string; inputSchema?: unknown }
}

export interface PendingCall extends CallToApprove {
  id: string
  createdAt: number
}

export type QueueEvent =
  { type: 'added'; call: PendingCall } | { type: 'removed'; id: string; decision: Decision }

export interface HoldOptions {
  timeoutMs: number
  /** Aborts when the client goes away. */
  signal: AbortSignal
  /** Told the pending call's id at once, e.g. to find it again when the client cancels. */
  onHeld?: (id: string) => void
}

export interface ApprovalQueue {
  /** Holds a call until it is decided, times out, or `signal` aborts (the client went away). */
  hold(call: CallToApprove, options: HoldOptions): Promise<Decision>
  pending(): PendingCall[]
  /** Settles a pending call; false when it is no longer pending (decided elsewhere, timed out). */
  decide(id: string, decision: Decision): boolean
  subscribe(listener: (event: QueueEvent) => void): () => void
  /** Denies everything still waiting (bridge shutdown). */
  denyAll(source: DecisionSource): void
}

interface Waiter {
  call: PendingCall
  settle: (decision: Decision) => void
}

export class InMemoryApprovalQueue implements ApprovalQueue {
  readonly #waiting = new Map<string, Waiter>()
  readonly #listeners = new Set<(event: QueueEvent) => void>()

  hold(call: CallToApprove, options: HoldOptions): Promise<Decision> {
    const pending: PendingCall = { ...call, id: newCallId(), createdAt: Date.now() }
    options.onHeld?.(pending.id)
    return new Promise<Decision>((resolve) => {
      const timer = setTimeout(
        () => this.decide(pending.id, { kind: 'deny', source: 'timeout' }),
        options.timeoutMs,
      )
      const onAbort = () => this.decide(pending.id, { kind: 'deny', source: 'disconnect' })
      options.signal.addEventListener('abort', onAbort, { once: true })
      this.#waiting.set(pending.id, {
        call: pending,
        settle: (decision) => {
          clearTimeout(timer)
          options.signal.removeEventListener('abort', onAbort)
          resolve(decision)
        },
      })
      this.#emit({ type: 'added', call: pending })
      if (options.signal.aborted) onAbort()
    })
  }

  pending(): PendingCall[] {
    return [...this.#waiting.values()]
      .map((waiter) => waiter.call)
      .sort((a, b) => a.createdAt - b.createdAt)
  }

  decide(id: string, decision: Decision): boolean {
    const waiter = this.#waiting.get(id)
    if (!waiter) return false
    this.#waiting.delete(id)
    waiter.settle(decision)
    this.#emit({ type: 'removed', id, decision })
    return true
  }

  subscribe(listener: (event: QueueEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  denyAll(source: DecisionSource): void {
    for (const id of [...this.#waiting.keys()]) this.decide(id, { kind: 'deny', source })
  }

  #emit(event: QueueEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch {
        // one broken page connection must not stop the others
      }
    }
  }
}

/**
 * 72 random bits in hex: never starts with `-` (a base64url id does in one case of 64, and then
 * `approvals approve <id>` reads it as an option), and reads aloud unambiguously.
 */
function newCallId(): string {
  return randomBytes(9).toString('hex')
}
