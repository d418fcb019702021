// Reading and rewriting the JSON-RPC messages of an upstream answer, whether it came as one JSON
// body or as an SSE stream (`basic/transports/streamable-http.mdx` §Sending Messages). The
// translators use it to change each result for the other era while the stream stays a stream.
import { Transform, pipeline } from 'node:stream'
import { text } from 'node:stream/consumers'
import type { UpstreamResponse } from '../forward.js'
import type { Message } from './wire.js'

/** What to send on instead of a message; undefined drops it. */
export type MessageMap = (message: Message) => Message | undefined

export function isEventStream(response: UpstreamResponse): boolean {
  return String(response.headers['content-type'] ?? '').includes('text/event-stream')
}

/**
 * The same answer with every message passed through `map`. Event ids are not kept: neither
 * direction can offer resumption (2026-07-28 has none, changelog major #9). An early close
 * travels back upstream (pipeline), so the client closing its stream still closes the upstream's.
 */
export function mapMessages(response: UpstreamResponse, map: MessageMap): UpstreamResponse {
  const headers = { ...response.headers }
  delete headers['content-length']
  if (!isEventStream(response)) {
    const chunks: Buffer[] = []
    const body = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        chunks.push(chunk)
        done()
      },
      flush(done) {
        done(null, rewriteJson(Buffer.concat(chunks).toString('utf8'), map))
      },
    })
    pipeline(response.body, body, () => undefined)
    return { ...response, headers, body }
  }
  let buffer = ''
  const body = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      buffer += chunk.toString('utf8')
      const out: string[] = []
      for (
        let match = /\r\n\r\n|\n\n|\r\r/.exec(buffer);
        match;
        match = /\r\n\r\n|\n\n|\r\r/.exec(buffer)
      ) {
        out.push(rewriteEvent(buffer.slice(0, match.index), map))
        buffer = buffer.slice(match.index + match[0].length)
      }
      done(null, out.join(''))
    },
    flush(done) {
      done(null, buffer.trim() ? rewriteEvent(buffer, map) : '')
    },
  })
  pipeline(response.body, body, () => undefined)
  return { ...response, headers, body }
}

function rewriteJson(body: string, map: MessageMap): string {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return body
  }
  if (Array.isArray(value))
    return JSON.stringify(
      value.map((message) => map(message as Message)).filter((message) => message !== undefined),
    )
  return JSON.stringify(map(value as Message) ?? null)
}

/** Comments and events without data pass as they are; a dropped message leaves nothing. */
function rewriteEvent(event: string, map: MessageMap): string {
  const data = sseData(event)
  if (data === undefined) return `${event}\n\n`
  let message: Message
  try {
    message = JSON.parse(data) as Message
  } catch {
    return `${event}\n\n`
  }
  const mapped = map(message)
  return mapped === undefined ? '' : `event: message\ndata: ${JSON.stringify(mapped)}\n\n`
}

function sseData(event: string): string | undefined {
  const lines = event.split(/\r\n|\n|\r/).filter((line) => line.startsWith('data:'))
  return lines.length === 0
    ? undefined
    : lines.map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n')
}

/** The whole answer's messages, for the few small answers the bridge consumes itself. */
export async function readMessages(response: UpstreamResponse): Promise<Message[]> {
  return messagesOf(await text(response.body), isEventStream(response))
}

/** The JSON-RPC messages of a JSON body or of the events of an SSE body. */
export function messagesOf(body: string, eventStream: boolean): Message[] {
  const texts = eventStream ? body.split(/\r\n\r\n|\n\n|\r\r/).map(sseData) : [body]
  const messages: Message[] = []
  for (const data of texts) {
    if (data === undefined) continue
    try {
      const value: unknown = JSON.parse(data)
      messages.push(...((Array.isArray(value) ? value : [value]) as Message[]))
    } catch {
      // Not JSON-RPC: nothing the bridge can use.
    }
  }
  return messages
}

/**
 * The answer's messages one at a time, as they arrive: a JSON body gives its one message (or
 * batch) at the end, an SSE body one message per event. Pulled with `next()`, the body is read
 * only as fast as the caller asks, so a caller may stop between messages and go on later (an
 * upstream call kept open while a client answers its input requests).
 */
export async function* eachMessage(
  response: UpstreamResponse,
): AsyncGenerator<Message, void, undefined> {
  if (!isEventStream(response)) {
    yield* messagesOf(await text(response.body), false)
    return
  }
  let buffer = ''
  for await (const chunk of response.body as AsyncIterable<Buffer | string>) {
    buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
    for (
      let match = /\r\n\r\n|\n\n|\r\r/.exec(buffer);
      match;
      match = /\r\n\r\n|\n\n|\r\r/.exec(buffer)
    ) {
      const event = buffer.slice(0, match.index)
      buffer = buffer.slice(match.index + match[0].length)
      yield* messagesOf(event, true)
    }
  }
  if (buffer.trim()) yield* messagesOf(buffer, true)
}

/** One message as an SSE event, the way the translators write the streams they make. */
export function sseEvent(message: Message): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`
}
