// Reading a server-sent event stream from a fetch response body: each event's name and data,
// as the SSE spec splits them (CRLF, LF or CR line ends; comments and unknown fields skipped).

export interface SseEvent {
  event: string
  data: string
}

export async function* readSseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []

  function* takeLines(streamEnded: boolean): Generator<SseEvent> {
    for (;;) {
      const end = /\r\n|\n|\r/.exec(buffer)
      if (!end) return
      // A CR last in the buffer may be the first half of a CRLF still on its way.
      if (end[0] === '\r' && end.index === buffer.length - 1 && !streamEnded) return
      const line = buffer.slice(0, end.index)
      buffer = buffer.slice(end.index + end[0].length)
      if (line === '') {
        if (data.length > 0) yield { event: event || 'message', data: data.join('\n') }
        event = ''
        data = []
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
  }

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true })
    yield* takeLines(false)
  }
  buffer += decoder.decode()
  // An event the stream ended in the middle of (no blank line after it) is dropped, as the spec says.
  yield* takeLines(true)
}
