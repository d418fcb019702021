// Server-sent events, as far as the bridge needs them: writing its own events, and rewriting
// the data of events in a stream it relays (only for tools/list, never on the tools/call path).
import { Transform, type TransformCallback } from 'node:stream'

export function sseEvent(data: unknown): string {
  return `event: message\ndata: ${JSON.stringify(data)}\n\n`
}

/**
 * Applies `rewrite` to the data of each event. Events are split on blank lines (CRLF, LF or CR
 * line ends, per the SSE spec); everything else (ids, retry, comments) passes as it came.
 */
export function rewriteSseData(rewrite: (data: string) => string): Transform {
  let buffer = ''
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffer += chunk.toString('utf8')
      const out: string[] = []
      for (;;) {
        const match = /\r\n\r\n|\n\n|\r\r/.exec(buffer)
        if (!match) break
        const end = match.index + match[0].length
        out.push(rewriteEvent(buffer.slice(0, match.index), rewrite) + match[0])
        buffer = buffer.slice(end)
      }
      callback(null, out.join(''))
    },
    flush(callback: TransformCallback) {
      callback(null, buffer ? rewriteEvent(buffer, rewrite) : '')
    },
  })
}

function rewriteEvent(event: string, rewrite: (data: string) => string): string {
  const lines = event.split(/\r\n|\n|\r/)
  const dataLines = lines.filter((line) => line.startsWith('data:'))
  if (dataLines.length === 0) return event
  const data = dataLines.map((line) => line.slice(5).replace(/^ /, '')).join('\n')
  const rewritten = rewrite(data)
  if (rewritten === data) return event
  const eol = event.includes('\r\n') ? '\r\n' : event.includes('\r') ? '\r' : '\n'
  // The new data lines take the place of the first old one; other fields keep their order.
  const first = lines.findIndex((line) => line.startsWith('data:'))
  const kept = lines.filter((line, index) => index < first || !line.startsWith('data:'))
  kept.splice(first, 0, ...rewritten.split('\n').map((line) => `data: ${line}`))
  return kept.join(eol)
}
