// A 2026-07-28 tool call can come back `input_required` and arrive again as a new request with
// the same arguments, the client's answers and the server's `requestState`
// (`basic/patterns/mrtr.mdx`). A person approves the call once, not once per round: after an
// approved call asks for input, its continuation is remembered, and a retry that matches it
// exactly (same server, tool and arguments, byte-identical requestState) passes without a new
// card. Anything else, an invented requestState or changed arguments, goes through policy again.
import { createHash } from 'node:crypto'

/** How long an approved call may take to come back with its answers (the SDK's own round timeout). */
const ROUND_TTL_MS = 10 * 60 * 1000
/** Continuations kept at most; the oldest is forgotten first (its retry then asks again). */
const MAX_ROUNDS = 1000

export class ApprovedRounds {
  /** Continuation key → expiry time. Insertion order is age order. */
  readonly #open = new Map<string, number>()

  /** An approved call answered `input_required` with this requestState: its retry may pass once. */
  remember(server: string, tool: string, args: unknown, requestState: string, now = Date.now()): void {
    const key = continuationKey(server, tool, args, requestState)
    this.#open.delete(key)
    this.#open.set(key, now + ROUND_TTL_MS)
    if (this.#open.size > MAX_ROUNDS) this.#open.delete(this.#open.keys().next().value as string)
  }

  /** True, once, when this retry continues a call a person approved; the record is used up. */
  consume(server: string, tool: string, args: unknown, requestState: string, now = Date.now()): boolean {
    const key = continuationKey(server, tool, args, requestState)
    const expires = this.#open.get(key)
    if (expires === undefined) return false
    this.#open.delete(key)
    return expires > now
  }
}

/** The requestState a retry carries, when it is one (`params.requestState`, a string). */
export function requestStateOf(params: unknown): string | undefined {
  const state = (params as { requestState?: unknown } | undefined)?.requestState
  return typeof state === 'string' ? state : undefined
}

function continuationKey(server: string, tool: string, args: unknown, requestState: string): string {
  return createHash('sha256').update(canonicalJson([server, tool, args ?? {}, requestState])).digest('base64url')
}

/** Key order does not change what a call does, so it must not change its digest either. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
