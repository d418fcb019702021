// The server's own notification stream for a stdio client (MCP Streamable HTTP §Listening for
// Messages from the Server): a GET kept open, each event written as a line, opened again with
// Last-Event-ID when it drops. A 405 means the server offers none.
import type { Writable } from 'node:stream'
import { SseLineParser } from './sse-lines.js'
import { drain, type StdioHttp } from './stdio-http.js'
import { writeLine } from './stdio-lines.js'
import type { StdioSession } from './stdio-session.js'

const RECONNECT_DELAY_MS = 1_000

export function openNotificationStream(
  http: StdioHttp,
  session: StdioSession,
  options: { stdout: Writable; log: (line: string) => void },
): { close(): void } {
  const abort = new AbortController()
  const parser = new SseLineParser((event) => {
    if (event.event === 'message') writeLine(options.stdout, event.data)
  })
  const listen = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      const resume: Record<string, string> = parser.lastEventId
        ? { 'last-event-id': parser.lastEventId }
        : {}
      try {
        const answer = await http.send(
          'GET',
          session.headers({ accept: 'text/event-stream', ...resume }),
          undefined,
          abort.signal,
        )
        if (answer.statusCode === 405 || answer.statusCode === 404) {
          await drain(answer)
          return
        }
        answer.on('data', (chunk: Buffer) => parser.push(chunk))
        await new Promise<void>((resolve) => {
          answer.once('end', resolve)
          answer.once('error', () => resolve())
          answer.once('close', () => resolve())
        })
      } catch (error) {
        if (abort.signal.aborted) return
        options.log(`Bridge connection: ${(error as Error).message}`)
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS).unref())
    }
  }
  void listen()
  return { close: () => abort.abort() }
}
