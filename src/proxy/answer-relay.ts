// Passing an upstream answer's body on to the client, and what happens when the upstream fails
// partway: an SSE answer ends with a JSON-RPC error event for each request still owed, then ends
// cleanly; a JSON answer that broke before its first byte reached the client is answered with
// JSON-RPC errors instead. Only a GET's notification stream is cut, so the client reconnects.
import type { ServerResponse } from 'node:http'
import { Readable, type Transform } from 'node:stream'
import { AnswerWatch } from './answer-watch.js'
import { observedSource, readableSource, type ChunkSource } from './chunk-source.js'
import { BRIDGE_ERROR, errorResponse } from './jsonrpc.js'
import { sseEvent } from './sse.js'
import {
  brokenAnswerText,
  errorStatusText,
  isBodyTimeout,
  sendOwedErrors,
  type AnswerContext,
} from './upstream-faults.js'
import type { UpstreamResponse } from './upstream.js'

/**
 * Pipes `body` (through `through`, when given) to the client without ending it on a failure:
 * `onFault` then decides how the client's answer ends. Settles when the answer is over, whoever
 * ended it; a client that goes away stops the upstream body.
 */
export function pipeBody(
  body: Readable | ChunkSource,
  res: ServerResponse,
  onFault: (error: Error) => void,
  through?: Transform,
): Promise<void> {
  const source = sourceOf(body, through)
  return new Promise((resolve) => {
    let settled = false
    let fault: Error | undefined
    const settle = (end: () => void) => {
      if (settled) return
      settled = true
      res.off('close', onClose)
      if (!res.destroyed && !res.writableEnded) end()
      resolve()
    }
    const onClose = () => {
      if (res.writableFinished) return
      source.destroy()
      settle(() => undefined)
    }
    // Plain chunks rather than pipe() or stream.pipeline (which makes an AbortController per
    // answer and aborts it at the end, building a DOMException): the client's own backpressure
    // pauses the upstream body.
    const resume = () => source.resume()
    // Chunks that arrive together (often the last event and the end of the answer) leave in one
    // write: the response stays corked until the microtasks after this callback, which run once
    // a stream's own next-tick work (its 'end' among it) is done, and before any new I/O.
    let corked = false
    const uncork = () => {
      corked = false
      res.uncork()
    }
    res.once('close', onClose)
    source.start({
      data(chunk) {
        if (!corked) {
          corked = true
          res.cork()
          queueMicrotask(uncork)
        }
        if (!res.write(chunk)) {
          source.pause()
          res.once('drain', resume)
        }
      },
      end: () => settle(() => (fault ? onFault(fault) : res.end())),
      error(error) {
        fault = error
        // What the rewrite still holds reaches the client first; its end then reports the fault.
        if (through) through.end()
        else settle(() => onFault(error))
      },
    })
  })
}

function sourceOf(body: Readable | ChunkSource, through: Transform | undefined): ChunkSource {
  if (!(body instanceof Readable)) return body
  return readableSource(body, through ? body.pipe(through) : body)
}

/**
 * Relays an SSE body whose headers are already out: a stream, or an upstream answer's chunks
 * straight from the dispatcher (answerSource). When the upstream breaks off a POST's
 * answer, each request it still owed gets a JSON-RPC error event and the stream ends cleanly.
 * Returns the fault, for the log and the dashboard.
 */
export async function relayEventStream(
  body: Readable | ChunkSource,
  res: ServerResponse,
  context: AnswerContext,
  through?: Transform,
): Promise<Error | undefined> {
  const watch = context.owed && context.owed.length > 0 ? new AnswerWatch(context.owed) : undefined
  let fault: Error | undefined
  // The watch reads the upstream's own bytes, before any rewrite.
  const watched =
    watch && !(body instanceof Readable) ? observedSource(body, (chunk) => watch.push(chunk)) : body
  const piping = pipeBody(
    watched,
    res,
    (error) => {
      fault = new Error(brokenAnswerText(context, error))
      if (context.owed === undefined) {
        // A GET stream owes no answer: cut it as the upstream did, and the client reconnects.
        res.destroy()
        return
      }
      const owed = watch?.owed() ?? []
      const events = owed.map((id) =>
        sseEvent(errorResponse(id, BRIDGE_ERROR, fault?.message ?? '', faultData(context, error))),
      )
      // A blank line first ends the event the upstream left half-written, so ours parse on their own.
      res.end(`${watch?.midEvent() && owed.length > 0 ? '\n\n' : ''}${events.join('')}`)
    },
    through,
  )
  if (body instanceof Readable) watch?.watch(body)
  await piping
  return fault
}

/**
 * Relays a body that is not SSE. Headers are set but not sent until the first byte arrives, so an
 * upstream that fails before that still gets its requests answered with JSON-RPC errors.
 */
export async function relayPlainBody(
  upstream: UpstreamResponse,
  headers: Record<string, string | string[]>,
  res: ServerResponse,
  context: AnswerContext,
): Promise<Error | undefined> {
  res.statusCode = upstream.statusCode
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  let fault: Error | undefined
  await pipeBody(upstream.body, res, (error) => {
    fault = new Error(brokenAnswerText(context, error))
    if (res.headersSent) {
      // Part of the answer is out: nothing can be added to a JSON body, so it is cut.
      res.destroy()
      return
    }
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    sendOwedErrors(
      res,
      context,
      fault.message,
      isBodyTimeout(error) ? 504 : 502,
      faultData(context, error),
    )
  })
  return fault
}

/** The largest error body read to judge whether it is JSON-RPC; larger ones are quoted, not passed on. */
const ERROR_BODY_LIMIT = 256 * 1024

export type ErrorAnswer =
  { kind: 'pass'; upstream: UpstreamResponse } | { kind: 'failed'; text: string; data: object }

/**
 * An HTTP error answer (not SSE): a JSON-RPC body passes on unchanged with its status; anything
 * else (an HTML 502 page, a plain-text 500) becomes the text of a JSON-RPC error naming the server.
 */
export async function judgeErrorAnswer(
  upstream: UpstreamResponse,
  server: string,
): Promise<ErrorAnswer> {
  const { head, complete } = await readHead(upstream.body, ERROR_BODY_LIMIT)
  const text = head.toString('utf8')
  if (complete && isJsonRpc(text)) {
    return {
      kind: 'pass',
      upstream: {
        ...upstream,
        headers: { ...upstream.headers, 'content-length': String(head.byteLength) },
        body: Readable.from([head]),
      },
    }
  }
  return {
    kind: 'failed',
    text: errorStatusText(server, upstream.statusCode, text),
    data: { server, httpStatus: upstream.statusCode },
  }
}

function isJsonRpc(text: string): boolean {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return false
  }
  const messages = Array.isArray(value) ? value : [value]
  return (
    messages.length > 0 &&
    messages.every(
      (message) =>
        typeof message === 'object' &&
        message !== null &&
        (message as { jsonrpc?: unknown }).jsonrpc === '2.0',
    )
  )
}

/** Up to `limit` bytes of a body; the rest is drained, and a body that breaks ends what was read. */
function readHead(body: Readable, limit: number): Promise<{ head: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let total = 0
    let complete = true
    body.on('data', (chunk: Buffer) => {
      if (total >= limit) {
        complete = false
        return
      }
      const room = limit - total
      const kept = chunk.byteLength > room ? chunk.subarray(0, room) : chunk
      if (kept !== chunk) complete = false
      chunks.push(kept)
      total += kept.byteLength
    })
    body.once('end', () => resolve({ head: Buffer.concat(chunks, total), complete }))
    body.once('error', () => resolve({ head: Buffer.concat(chunks, total), complete: false }))
  })
}

function faultData(context: AnswerContext, error: unknown): object {
  return isBodyTimeout(error)
    ? { server: context.server, timeoutSeconds: context.timeoutSeconds }
    : { server: context.server }
}
