// Reads, without changing a byte, the upstream's answer to an approved 2026-07-28 tool call, to
// learn whether it asked for input (`resultType: "input_required"`) and with which
// `requestState` (`basic/patterns/mrtr.mdx`), so that the retry is not held for approval again.
import { Transform, pipeline } from 'node:stream'
import type { UpstreamResponse } from './upstream.js'
import type { JsonRpcId } from './jsonrpc.js'

/** The most of an answer kept to look at; a larger one is passed on unread. */
const WATCHED_BYTES = 1024 * 1024

/**
 * The same answer, its body passed through a watcher. Errors and an early close travel both ways
 * (pipeline), so a client that closes the stream still closes the upstream's: that is the cancel.
 */
export function watchForInputRequired(
  upstream: UpstreamResponse,
  id: JsonRpcId,
  onRequestState: (requestState: string) => void,
): UpstreamResponse {
  const isEventStream = String(upstream.headers['content-type'] ?? '').includes('text/event-stream')
  const chunks: Buffer[] = []
  let kept = 0
  const watcher = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (kept <= WATCHED_BYTES) {
        chunks.push(chunk)
        kept += chunk.byteLength
      }
      done(null, chunk)
    },
    flush(done) {
      if (kept <= WATCHED_BYTES) {
        const text = Buffer.concat(chunks, kept).toString('utf8')
        const state = requestStateFor(isEventStream ? sseMessages(text) : [text], id)
        if (state !== undefined) onRequestState(state)
      }
      done()
    },
  })
  pipeline(upstream.body, watcher, () => undefined)
  return { ...upstream, body: watcher }
}

function requestStateFor(texts: string[], id: JsonRpcId): string | undefined {
  for (const text of texts) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      continue
    }
    for (const message of Array.isArray(value) ? value : [value]) {
      const { id: answered, result } = (message ?? {}) as {
        id?: unknown
        result?: { resultType?: unknown; requestState?: unknown }
      }
      if (
        answered === id &&
        result?.resultType === 'input_required' &&
        typeof result.requestState === 'string'
      )
        return result.requestState
    }
  }
  return undefined
}

/** The data of each SSE event (data lines joined by newlines). */
function sseMessages(text: string): string[] {
  const messages: string[] = []
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
    if (data.length > 0) messages.push(data.join('\n'))
  }
  return messages
}
