// Relays one upstream answer to the client unbuffered, and the process-wide default sender for
// code that runs outside a bridge (tests, probes at `add`); a bridge sends through its own
// UpstreamHttp (upstream-http.ts), closed with it.
import type { ServerResponse } from 'node:http'
import { text } from 'node:stream/consumers'
import { finished } from 'node:stream/promises'
import { answerSource, wholeAnswer } from './answer-handler.js'
import { observedSource } from './chunk-source.js'
import { relayEventStream, relayPlainBody } from './answer-relay.js'
import { readAll } from '../web/read-all.js'
import {
  brokenAnswerText,
  isBodyTimeout,
  sendOwedErrors,
  type AnswerContext,
} from './upstream-faults.js'
import { clientResponseHeaders } from './upstream-headers.js'
import { UpstreamHttp } from './upstream-http.js'
import type { UpstreamRequest, UpstreamResponse, UpstreamSender } from './upstream.js'

export type { UpstreamRequest, UpstreamResponse, UpstreamSender } from './upstream.js'
export { clientResponseHeaders } from './upstream-headers.js'

/** The sender used where no bridge hands one in; it lives as long as the process. */
const shared = new UpstreamHttp()

export const sendUpstream: UpstreamSender = (request: UpstreamRequest) => shared.send(request)

/** How long an SSE answer's headers wait for its first event before they go alone. */
const HEADERS_WAIT_MS = 20

/** Answers up to this size (with a known length, not a stream) are sent in one write. */
const SINGLE_WRITE_LIMIT = 64 * 1024

/**
 * Copies status, headers and body to the client as they arrive. When the upstream fails partway,
 * the requests still owed are answered with JSON-RPC errors (see answer-relay.ts); the fault is
 * returned for the log.
 */
export async function relayResponse(
  upstream: UpstreamResponse,
  res: ServerResponse,
  context: AnswerContext,
): Promise<Error | undefined> {
  const headers = clientResponseHeaders(upstream.headers)
  const length = Number(upstream.headers['content-length'] ?? Number.NaN)
  const isEventStream = String(upstream.headers['content-type'] ?? '').includes('text/event-stream')
  if (length <= SINGLE_WRITE_LIMIT && !isEventStream) {
    // A small JSON answer: one write instead of a stream pipeline (measured: less CPU per request).
    let body: Buffer
    try {
      // Straight from the dispatcher when it can be: no stream is made for the body at all.
      body = (await (wholeAnswer(upstream) ?? readAll(upstream.body))) as Buffer
    } catch (error) {
      if (res.destroyed) return undefined
      const text = brokenAnswerText(context, error)
      sendOwedErrors(res, context, text, isBodyTimeout(error) ? 504 : 502, {
        server: context.server,
      })
      return new Error(text)
    }
    res.writeHead(upstream.statusCode, headers).end(body)
    return undefined
  }
  if (!isEventStream) return relayPlainBody(upstream, headers, res, context)
  res.writeHead(upstream.statusCode, headers)
  // Straight from the dispatcher when it can be: no stream is made for the events.
  const source = answerSource(upstream)
  if (!source) {
    // An SSE client must see its stream open at once: the headers go now unless the first event
    // is already here, in which case they leave with it in one write.
    if (upstream.body.readableLength === 0) res.flushHeaders()
    return relayEventStream(upstream.body, res, context)
  }
  if (source.arrived) return relayEventStream(source, res, context)
  // The headers wait a moment for the first event, to leave with it in one write (one write and
  // one wake-up of the client fewer per answer); a call that takes longer still shows its stream
  // open within HEADERS_WAIT_MS.
  let waiting: NodeJS.Timeout | undefined = setTimeout(() => {
    waiting = undefined
    if (!res.writableEnded && !res.destroyed) res.flushHeaders()
  }, HEADERS_WAIT_MS)
  const stopWaiting = () => {
    clearTimeout(waiting)
    waiting = undefined
  }
  try {
    return await relayEventStream(observedSource(source, stopWaiting), res, context)
  } finally {
    stopWaiting()
  }
}

/** Drops an answer the client will not see (a 401 before the retry), freeing its connection. */
export async function discardBody(upstream: UpstreamResponse): Promise<void> {
  upstream.body.resume()
  await finished(upstream.body).catch(() => undefined)
}

/** The whole (small) answer as text, for the cases where the bridge must inspect it. */
export function readText(upstream: UpstreamResponse): Promise<string> {
  return text(upstream.body)
}
