// A 2026-07-28 upstream's `input_required` answers, played out for a 2025 client
// (`basic/patterns/mrtr.mdx`): each input request goes to the client as the server-to-client
// request it stood for in 2025-11-25 (`client/elicitation.mdx`, `client/sampling.mdx`,
// `client/roots.mdx`), on the call's own SSE answer (2025-11-25 `basic/transports/streamable-http.mdx`
// §Sending Messages: the server may send requests there before its response). The client's
// responses come back as POSTs on its session; the bridge then sends the call again with
// `inputResponses` and the upstream's `requestState`, the same arguments as approved, until the
// result is complete. Only that result, in the 2025 shape, answers the client's request.
import { randomUUID } from 'node:crypto'
import { PassThrough } from 'node:stream'
import type { UpstreamResponse } from '../forward.js'
import { BRIDGE_ERROR, errorResponse, toolErrorResult } from '../jsonrpc.js'
import {
  INPUT_WAIT_MS,
  MAX_ROUNDS,
  clientCanAnswer,
  inputAnswer,
  isInputRequired,
} from './input-requests.js'
import type { LegacyClientSession } from './legacy-sessions.js'
import { eachMessage, sseEvent } from './message-stream.js'
import { legacyMessage } from './modern-call.js'
import { isRecord, paramsOf, type Message } from './wire.js'

export interface InputRounds {
  session: LegacyClientSession
  /** The client's request, as the gate let it through (a person's edits included). */
  message: Message
  method: string
  /** Sends the request once more upstream, with these params and this id. */
  retry(params: Record<string, unknown>, id: string): Promise<UpstreamResponse>
  /** Ends with the client's request (closed stream, notifications/cancelled, session ended). */
  signal: AbortSignal
}

type Outcome =
  { kind: 'answers'; responses: Record<string, unknown> } | { kind: 'refused'; text: string }

/** The client's answer, as an SSE stream carrying the rounds' requests and then the final result. */
export function relayInputRounds(first: UpstreamResponse, rounds: InputRounds): UpstreamResponse {
  const out = new PassThrough()
  void play(first, rounds, out).catch((error: unknown) => {
    // The client went away, or the upstream broke off: nothing is owed to a closed stream.
    if (rounds.signal.aborted || out.destroyed) return out.destroy()
    out.end(
      sseEvent(
        failure(
          rounds,
          `The bridge could not finish the server's input rounds: ${error instanceof Error ? error.message : String(error)}`,
        ),
      ),
    )
  })
  const headers = {
    ...first.headers,
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
  }
  delete headers['content-length']
  return { statusCode: first.statusCode, headers, body: out }
}

async function play(first: UpstreamResponse, rounds: InputRounds, out: PassThrough): Promise<void> {
  const { message, method } = rounds
  let answer = first
  let answerId: Message['id'] = message.id
  // `sends` counts the requests the upstream got for this call: the first one and each retry.
  for (let sends = 1; ; sends += 1) {
    if (answer.statusCode === 401 || answer.statusCode === 403) {
      // Each retry carries the token as renewed just before it (UpstreamRequest.freshToken), so a
      // refusal means it was revoked; the forward stage logs in again on the client's next
      // request, which this answer cannot wait for.
      answer.body.resume()
      return void out.end(
        sseEvent(
          failure(
            rounds,
            `The upstream server refused the bridge's token (HTTP ${answer.statusCode}) when the bridge sent it the client's answers. The bridge renews the token on the next request: send the call again (if it keeps failing, log in to the server again).`,
          ),
        ),
      )
    }
    let final: Message | undefined
    for await (const upstream of eachMessage(answer)) {
      if (typeof upstream.method === 'string') {
        const relayed = legacyMessage(upstream, method)
        if (relayed) out.write(sseEvent(relayed))
      } else if (upstream.id === answerId || (upstream.id === null && isRecord(upstream.error)))
        final = upstream
      // An error under id null is the upstream refusing the request itself (a 400, JSON-RPC §5).
    }
    if (!final) {
      const status = answer.statusCode === 200 ? '' : ` (HTTP ${answer.statusCode})`
      return void out.end(
        sseEvent(
          failure(rounds, `The upstream server ended its answer without a result${status}.`),
        ),
      )
    }
    const exhausted = sends >= MAX_ROUNDS
    if (!isInputRequired(final) || !isRecord(final.result) || exhausted) {
      const done =
        exhausted && isInputRequired(final)
          ? failure(
              rounds,
              `The upstream server still asked for input after ${MAX_ROUNDS} rounds; the bridge gave up.`,
            )
          : legacyMessage({ ...final, id: message.id }, method)
      return void out.end(done ? sseEvent(done) : undefined)
    }
    const asked = isRecord(final.result.inputRequests) ? final.result.inputRequests : {}
    const outcome = await askClient(asked, rounds, out)
    if (outcome.kind === 'refused') return void out.end(sseEvent(failure(rounds, outcome.text)))
    const state = final.result.requestState
    answerId = `bridge-round-${sends}-${randomUUID()}`
    // mrtr.mdx §Client Requirements: the same method and params, a new id, the answers, the exact requestState.
    const { inputResponses: _old, requestState: _oldState, ...params } = paramsOf(message) ?? {}
    answer = await rounds.retry(
      {
        ...params,
        inputResponses: outcome.responses,
        ...(typeof state === 'string' ? { requestState: state } : {}),
      },
      answerId,
    )
  }
}

/** Sends each input request to the client and waits for every answer (or the first refusal). */
async function askClient(
  asked: Record<string, unknown>,
  rounds: InputRounds,
  out: PassThrough,
): Promise<Outcome> {
  const { session } = rounds
  const entries = Object.entries(asked).filter(
    (entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]),
  )
  const unanswerable = entries.find(
    ([, request]) => !clientCanAnswer(request.method, session.inputCapabilities),
  )
  if (unanswerable)
    return {
      kind: 'refused',
      text: `The server asked for input (${String(unanswerable[1].method)}) this client did not declare at initialize; the bridge cannot ask it.`,
    }
  const ids = entries.map(() => `bridge-input-${randomUUID()}`)
  const answers = entries.map(
    ([, request], index) =>
      new Promise<Message>((resolve) => {
        session.awaiting.set(ids[index] as string, resolve)
        out.write(
          sseEvent({
            jsonrpc: '2.0',
            id: ids[index],
            method: request.method,
            ...(request.params !== undefined ? { params: request.params } : {}),
          }),
        )
      }),
  )
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const abandoned = new Promise<'timeout' | 'aborted'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), INPUT_WAIT_MS)
    timer.unref()
    if (rounds.signal.aborted) resolve('aborted')
    onAbort = () => resolve('aborted')
    rounds.signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    const settled = await Promise.race([Promise.all(answers), abandoned])
    if (settled === 'aborted') throw new Error('the client closed the request')
    if (settled === 'timeout')
      return {
        kind: 'refused',
        text: `The client did not answer the server's input request within ${INPUT_WAIT_MS / 60000} minutes.`,
      }
    const responses: Record<string, unknown> = {}
    for (const [index, reply] of settled.entries()) {
      const [key] = entries[index] as [string, unknown]
      if (isRecord(reply.error))
        return {
          kind: 'refused',
          text: `The client refused the server's input request: ${String(reply.error.message ?? JSON.stringify(reply.error))}`,
        }
      responses[key] = inputAnswer(reply.result)
    }
    return { kind: 'answers', responses }
  } finally {
    clearTimeout(timer)
    // One listener per round would pile up on a long call's signal.
    if (onAbort) rounds.signal.removeEventListener('abort', onAbort)
    for (const id of ids) session.awaiting.delete(id)
  }
}

/** The client's request answered as failed: a tool error for a call, a JSON-RPC error otherwise. */
function failure(rounds: InputRounds, text: string): Message {
  const id = rounds.message.id ?? null
  return (
    rounds.method === 'tools/call'
      ? toolErrorResult(id, text)
      : errorResponse(id, BRIDGE_ERROR, text)
  ) as Message
}
