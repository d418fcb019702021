// The answer to a call whose arguments a person edited carries one more text block in its tool
// result, saying what was changed (argument-diff.ts), so the model reads its result knowing the
// tool did not run with what it sent. Only that call's result changes: in an SSE answer, the
// one event that answers it; in a JSON answer, its result object. `structuredContent` stays as
// the upstream sent it (it must still match the tool's output schema), and errors, results
// without `content` (an `input_required` round) and every other message pass untouched.
import { Transform, pipeline } from 'node:stream'
import type { UpstreamResponse } from './upstream.js'
import type { JsonRpcId } from './jsonrpc.js'
import { rewriteSseData } from './sse.js'

/** A JSON answer larger than this passes unchanged rather than being held in memory. */
const MAX_JSON_BYTES = 4 * 1024 * 1024

/** The answer with a note added to the result for each request id in `notes`. */
export function withResultNotes(
  upstream: UpstreamResponse,
  notes: Map<JsonRpcId, string>,
): UpstreamResponse {
  if (notes.size === 0 || upstream.statusCode !== 200) return upstream
  const isEventStream = String(upstream.headers['content-type'] ?? '').includes('text/event-stream')
  const rewrite = (text: string) => addNotes(text, notes)
  const through = isEventStream ? rewriteSseData(rewrite) : rewriteWholeBody(rewrite)
  // Errors and an early close travel both ways, so a client that goes away still closes the upstream.
  pipeline(upstream.body, through, () => undefined)
  const headers = { ...upstream.headers }
  delete headers['content-length'] // the body grows by the note
  return { ...upstream, headers, body: through }
}

/** The JSON-RPC text with notes added to the results they belong to; the text itself when none applies. */
export function addNotes(text: string, notes: Map<JsonRpcId, string>): string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return text
  }
  let changed = false
  const noted = (message: unknown): unknown => {
    const next = withNote(message, notes)
    if (next !== message) changed = true
    return next
  }
  const rewritten = Array.isArray(value) ? value.map(noted) : noted(value)
  return changed ? JSON.stringify(rewritten) : text
}

function withNote(message: unknown, notes: Map<JsonRpcId, string>): unknown {
  if (typeof message !== 'object' || message === null) return message
  const { id, result } = message as { id?: JsonRpcId; result?: { content?: unknown } }
  if (
    id === undefined ||
    !notes.has(id) ||
    typeof result !== 'object' ||
    result === null ||
    !Array.isArray(result.content)
  )
    return message
  return {
    ...message,
    result: { ...result, content: [...result.content, { type: 'text', text: notes.get(id) }] },
  }
}

/** Holds a JSON body until its end, then passes it through `rewrite` (a large one passes as it came). */
function rewriteWholeBody(rewrite: (text: string) => string): Transform {
  const chunks: Buffer[] = []
  let size = 0
  let passing = false
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (passing) return done(null, chunk)
      chunks.push(chunk)
      size += chunk.byteLength
      if (size <= MAX_JSON_BYTES) return done()
      passing = true
      done(null, Buffer.concat(chunks, size))
    },
    flush(done) {
      if (passing) return done()
      done(null, rewrite(Buffer.concat(chunks, size).toString('utf8')))
    },
  })
}
