// A 2025 upstream's requests to the client during a call (elicitation/create, sampling/createMessage,
// roots/list on the call's SSE answer, 2025-11-25 `basic/transports/streamable-http.mdx` §Sending
// Messages), turned into the 2026-07-28 rounds a modern client knows (`basic/patterns/mrtr.mdx`):
// the client's request is answered `input_required` with the server's requests and a
// `requestState` that is a bridge token, while the upstream call stays open, waiting. The client's
// retry brings `inputResponses` and the token back; the bridge posts them to the upstream as the
// JSON-RPC responses it waits for and relays the rest of the same upstream answer: the result
// (`resultType: "complete"`) or the next request (another round).
//
// The token is 32 random bytes, unguessable and single-use, and bound to the held call's upstream
// session, method and a digest of its params (mrtr.mdx §Server Requirements: requestState is
// attacker input, to be bound to the principal, the request and a short expiry): a retry with other arguments, from another client,
// or a second time, gets an error and nothing reaches the upstream. A call nobody comes back for
// is cancelled upstream after INPUT_WAIT_MS (input-requests.ts).
import { createHash, randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import type { UpstreamRequest, UpstreamResponse } from '../forward.js'
import { errorResponse } from '../jsonrpc.js'
import { INPUT_WAIT_MS, clientCanAnswer, inputAnswer } from './input-requests.js'
import { eachMessage, sseEvent } from './message-stream.js'
import { modernMessage } from './modern-results.js'
import type { UpstreamSession } from './upstream-sessions.js'
import { isRecord, jsonAnswer, paramsOf, type Message } from './wire.js'
import { canonicalJson } from '../../canonical-json.js'

/** One request of the upstream's, as the client sees it in `inputRequests`. */
interface Asked {
  upstreamId: Message['id']
  request: { method: string; params?: unknown }
}

/** One upstream call the bridge keeps open across a modern client's rounds. */
interface HeldCall {
  session: UpstreamSession
  method: string
  digest: string
  /** The bridge's id for the call on the upstream session. */
  upstreamId: number
  messages: AsyncGenerator<Message, void, undefined>
  /** The upstream's requests of the current round, by the key the client answers them under. */
  asked: Map<string, Asked>
  /** Tells the upstream the call is over and drops its stream. */
  cancel(): void
  timer?: NodeJS.Timeout
}

export interface RoundsStart {
  request: UpstreamRequest
  session: UpstreamSession
  message: Message
  method: string
  upstreamId: number
  answer: UpstreamResponse
  cancel(): void
}

export interface LegacyRounds {
  /** The client's answer for an upstream call that may ask for input on the way. */
  start(start: RoundsStart): UpstreamResponse
  /** A retry carrying `requestState`: the answers go upstream, the held call goes on. */
  resume(
    request: UpstreamRequest,
    message: Message,
    session: UpstreamSession,
    requestState: string,
  ): Promise<UpstreamResponse>
  close(): void
}

/** Sends one message to the upstream on the call's session (a response to one of its requests); resolves with the HTTP status. */
export type PostToSession = (
  request: UpstreamRequest,
  session: UpstreamSession,
  message: object,
) => Promise<number>
/** The same, for a message whose fate changes nothing (a refusal, a cancel). */
export type TellSession = (
  request: UpstreamRequest,
  session: UpstreamSession,
  message: object,
) => void

const INVALID_PARAMS = -32602

export function createLegacyRounds(post: PostToSession, waitMs = INPUT_WAIT_MS): LegacyRounds {
  const held = new Map<string, HeldCall>()

  /** Relays upstream messages to one client answer until the call ends or asks for input. */
  const playRound = (
    call: HeldCall,
    request: UpstreamRequest,
    clientId: Message['id'],
  ): UpstreamResponse => {
    const out = new PassThrough()
    let settled = false
    // The client closing its stream mid-round is the modern cancel (basic/patterns/cancellation.mdx).
    const onGone = () => {
      if (!settled) call.cancel()
    }
    request.signal.addEventListener('abort', onGone, { once: true })
    out.once('close', onGone)
    // The held call has no limit of its own on its silence (it waits for a person in between
    // rounds): while a round plays, the bridge gives the upstream waitMs between messages.
    let silence: NodeJS.Timeout | undefined
    const quiet = () => {
      clearTimeout(silence)
      silence = setTimeout(() => {
        if (settled) return
        call.cancel()
        finish(
          errorResponse(
            clientId ?? null,
            -32603,
            `The upstream server sent nothing for ${waitMs / 1000} seconds after the client's answers; the bridge cancelled the call. Send the request again without requestState and inputResponses.`,
          ) as Message,
        )
      }, waitMs)
      silence.unref()
    }
    const finish = (last: Message) => {
      if (settled) return
      settled = true
      clearTimeout(silence)
      request.signal.removeEventListener('abort', onGone)
      out.end(sseEvent(last))
    }
    quiet()
    void (async () => {
      for (;;) {
        const next = await call.messages.next()
        if (settled) return
        quiet()
        if (next.done)
          return finish(
            errorResponse(
              clientId ?? null,
              -32603,
              'The upstream server ended its answer without a result.',
            ) as Message,
          )
        const upstream = next.value
        if (
          typeof upstream.method === 'string' &&
          upstream.id !== undefined &&
          upstream.id !== null
        ) {
          if (!clientCanAnswer(upstream.method, call.session.declared)) {
            void post(
              request,
              call.session,
              errorResponse(
                upstream.id,
                -32601,
                `The client did not declare what ${upstream.method} needs.`,
              ),
            ).catch(() => undefined)
            continue
          }
          const key = `input-${randomBytes(6).toString('base64url')}`
          call.asked = new Map([
            [
              key,
              {
                upstreamId: upstream.id,
                request: {
                  method: upstream.method,
                  ...(upstream.params !== undefined ? { params: upstream.params } : {}),
                },
              },
            ],
          ])
          return finish(inputRequired(call, clientId))
        }
        if (typeof upstream.method === 'string') out.write(sseEvent(upstream))
        else if (upstream.id === call.upstreamId)
          return finish(modernMessage(upstream, call.method, clientId))
      }
    })().catch((error: unknown) => {
      if (settled || out.destroyed) return
      call.cancel()
      finish(
        errorResponse(
          clientId ?? null,
          -32603,
          `The upstream server broke off the call: ${error instanceof Error ? error.message : String(error)}`,
        ) as Message,
      )
    })
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      body: out,
    }
  }

  /** The client's answer for a round: the upstream's open requests and a token for the retry. */
  const inputRequired = (call: HeldCall, clientId: Message['id']): Message => {
    const inputRequests = Object.fromEntries(
      [...call.asked].map(([key, asked]) => [key, asked.request]),
    )
    return {
      jsonrpc: '2.0',
      id: clientId,
      result: { resultType: 'input_required', inputRequests, requestState: hold(call) },
    }
  }

  /** Keeps the call for its retry and gives the token that names it. */
  const hold = (call: HeldCall): string => {
    const token = randomBytes(32).toString('base64url')
    held.set(token, call)
    call.timer = setTimeout(() => {
      if (held.get(token) !== call) return
      held.delete(token)
      call.cancel()
    }, waitMs)
    call.timer.unref()
    return token
  }

  return {
    start({ request, session, message, method, upstreamId, answer, cancel }) {
      const call: HeldCall = {
        session,
        method,
        digest: paramsDigest(message),
        upstreamId,
        messages: eachMessage(answer),
        asked: new Map(),
        cancel,
      }
      return playRound(call, request, message.id)
    },

    async resume(request, message, session, requestState) {
      const call = held.get(requestState)
      const refuse = (why: string) =>
        jsonAnswer(200, errorResponse(message.id ?? null, INVALID_PARAMS, why))
      if (!call)
        return refuse(
          'The requestState is not one this bridge gave out, or it was used already or expired; send the request again without requestState and inputResponses.',
        )
      // Bound to what was asked: another client, another method or other params cannot continue it.
      if (
        call.session !== session ||
        call.method !== message.method ||
        call.digest !== paramsDigest(message)
      ) {
        return refuse(
          'The requestState belongs to another request: retry with the same method and params as the request that received it.',
        )
      }
      held.delete(requestState)
      clearTimeout(call.timer)
      const responses = isRecord(paramsOf(message)?.inputResponses)
        ? (paramsOf(message)?.inputResponses as Record<string, unknown>)
        : {}
      const unanswered = new Map<string, Asked>()
      const posts: Array<Promise<number>> = []
      for (const [key, asked] of call.asked) {
        if (responses[key] === undefined) unanswered.set(key, asked)
        else
          posts.push(
            post(request, session, {
              jsonrpc: '2.0',
              id: asked.upstreamId,
              result: inputAnswer(responses[key]),
            }),
          )
      }
      call.asked = unanswered
      const refused = await firstRefusal(posts)
      if (refused !== undefined) {
        // The answers never reached the upstream call: it would wait for them forever.
        call.cancel()
        return jsonAnswer(200, errorResponse(message.id ?? null, -32603, refused))
      }
      // mrtr.mdx §Error Handling: missing answers are asked for again rather than failed.
      if (unanswered.size > 0) return jsonAnswer(200, inputRequired(call, message.id))
      return playRound(call, request, message.id)
    },

    close() {
      for (const call of held.values()) {
        clearTimeout(call.timer)
        call.cancel()
      }
      held.clear()
    },
  }
}

/** Why the upstream did not take the client's answers, or undefined when it took every one. */
async function firstRefusal(posts: Array<Promise<number>>): Promise<string | undefined> {
  const outcomes = await Promise.all(
    posts.map((sent) =>
      sent.then(
        (status) => ({ status }),
        (error: unknown) => ({ error }),
      ),
    ),
  )
  for (const outcome of outcomes) {
    if ('error' in outcome)
      return `The bridge could not send the client's answers to the upstream server (${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}); the call was cancelled. Send the request again without requestState and inputResponses.`
    const { status } = outcome
    if (status >= 200 && status < 300) continue
    const what =
      status === 404
        ? 'its session ended while the client answered; the bridge opens a new one for the next request'
        : status === 401 || status === 403
          ? "it refused the bridge's token; the bridge renews it (or asks for a new login) on the next request"
          : 'it refused them'
    return `The upstream server answered HTTP ${status} to the client's answers (${what}), so the call was cancelled. Send the request again without requestState and inputResponses.`
  }
  return undefined
}

/** What a retry must repeat: the params without the round's own fields (mrtr.mdx §Client Requirements). */
function paramsDigest(message: Message): string {
  const {
    inputResponses: _answers,
    requestState: _state,
    _meta: _meta,
    ...params
  } = paramsOf(message) ?? {}
  return createHash('sha256')
    .update(canonicalJson([message.method, params]))
    .digest('base64url')
}
