// The facts both directions of input bridging share: which methods a server may ask the client
// for input with, the capability each needs (`basic/patterns/mrtr.mdx` §Server Requirements: a server
// must not ask for a kind the client did not declare), and how long the bridge waits for an
// answer before it gives the round up.
import { isRecord, type Message } from './wire.js'

/** The capability a client declares for each kind of input request. */
export const CAPABILITY_OF: Record<string, string> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
}

/** Requests that may answer `input_required` (mrtr.mdx §Supported Requests). */
export const ROUND_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read'])

/**
 * How long one input round may wait for the other side: the SDK v2 client's own round timeout,
 * and the approvals gate's (approved-rounds.ts), so a round the gate still honours is one the
 * bridge still holds open.
 */
export const INPUT_WAIT_MS = 10 * 60 * 1000

/** Rounds of one call at most; the SDK v2 client stops at ten as well. */
export const MAX_ROUNDS = 10

/** The input capabilities (elicitation, sampling, roots) among a client's declared ones. */
export function inputCapabilities(capabilities: unknown): Record<string, unknown> {
  if (!isRecord(capabilities)) return {}
  const kept: Record<string, unknown> = {}
  for (const kind of Object.values(CAPABILITY_OF))
    if (capabilities[kind] !== undefined) kept[kind] = capabilities[kind]
  return kept
}

/** True when the client declared what this server request needs. */
export function clientCanAnswer(method: unknown, declared: Record<string, unknown>): boolean {
  const capability = typeof method === 'string' ? CAPABILITY_OF[method] : undefined
  return capability !== undefined && declared[capability] !== undefined
}

/** A client's answer to an input request, without the 2026-07-28 `resultType` a 2025 peer does not know. */
export function inputAnswer(result: unknown): unknown {
  if (!isRecord(result)) return result
  const { resultType: _type, ...rest } = result
  return rest
}

export function isInputRequired(message: Message): boolean {
  return isRecord(message.result) && message.result.resultType === 'input_required'
}
