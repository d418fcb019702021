// A 2026-07-28 tool call can come back `input_required` and arrive again as a new request with
// the same arguments, the client's answers and the server's `requestState`
// (`basic/patterns/mrtr.mdx`). A person approves the call once, not once per round: after an
// approved call asks for input, its continuation is remembered, and a retry that matches it
// exactly (same server, tool and arguments, byte-identical requestState) passes without a new
// card. Anything else, an invented requestState or changed arguments, goes through policy again.
// A call the person edited is remembered under the client's own arguments, since the client never
// saw the edit and retries with what it sent; the continuation carries the edit, so the retry runs
// with the arguments the person approved, as the first request did.
import { createHash } from 'node:crypto'
import { canonicalJson } from '../canonical-json.js'

/** How long an approved call may take to come back with its answers (the SDK's own round timeout). */
const ROUND_TTL_MS = 10 * 60 * 1000
/** Continuations kept at most; the oldest is forgotten first (its retry then asks again). */
const MAX_ROUNDS = 1000

export class ApprovedRounds {
  /** Continuation key → expiry time and the person's edit. Insertion order is age order. */
  readonly #open = new Map<string, { expires: number; edited?: Record<string, unknown> }>()

  /**
   * An approved call answered `input_required` with this requestState: its retry may pass once.
   * `args` are the client's arguments; `edited`, the ones a person replaced them with.
   */
  remember(
    server: string,
    tool: string,
    args: unknown,
    requestState: string,
    now = Date.now(),
    edited?: Record<string, unknown>,
  ): void {
    const key = continuationKey(server, tool, args, requestState)
    this.#open.delete(key)
    this.#open.set(key, { expires: now + ROUND_TTL_MS, ...(edited ? { edited } : {}) })
    if (this.#open.size > MAX_ROUNDS) this.#open.delete(this.#open.keys().next().value as string)
  }

  /** True, once, when this retry continues a call a person approved; the record is used up. */
  consume(
    server: string,
    tool: string,
    args: unknown,
    requestState: string,
    now = Date.now(),
  ): boolean {
    return this.take(server, tool, args, requestState, now) !== undefined
  }

  /** The continuation this retry carries on, used up: with the person's edit when there was one. */
  take(
    server: string,
    tool: string,
    args: unknown,
    requestState: string,
    now = Date.now(),
  ): { edited?: Record<string, unknown> } | undefined {
    const key = continuationKey(server, tool, args, requestState)
    const open = this.#open.get(key)
    if (open === undefined) return undefined
    this.#open.delete(key)
    if (open.expires <= now) return undefined
    return open.edited ? { edited: open.edited } : {}
  }
}

/** The requestState a retry carries, when it is one (`params.requestState`, a string). */
export function requestStateOf(params: unknown): string | undefined {
  const state = (params as { requestState?: unknown } | undefined)?.requestState
  return typeof state === 'string' ? state : undefined
}

function continuationKey(
  server: string,
  tool: string,
  args: unknown,
  requestState: string,
): string {
  return createHash('sha256')
    .update(canonicalJson([server, tool, args ?? {}, requestState]))
    .digest('base64url')
}
