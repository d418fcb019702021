// The server's own notification stream for a stdio client (MCP Streamable HTTP §Listening for
// Messages from the Server): a GET kept open, each event written as a line, opened again with
// Last-Event-ID when it drops. A 405 means the server offers none.
import type { Writable } from 'node:stream'
import type { Pool } from 'undici'
import { SseLineParser } from './sse-lines.js'
import { writeLine } from './stdio-lines.js'
import type { StdioSession } from './stdio-session.js'

const RECONNECT_DELAY_MS = 1_000

export function openNotificationStream(pool: Pool, url: URL, session: StdioSession, options: { stdout: Writable; log: (line: string) => void }): { close(): void } {
  const abort = new AbortController()
  const parser = new SseLineParser((event) => {
    if (event.event === 'message') writeLine(options.stdout, event.data)
  })
  const listen = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      const resume: Record<string, string> = parser.lastEventId ? { 'last-event-id': parser.lastEventId } : {}
      try {
        const answer = await pool.request({ path: `${url.pathname}${url.search}`, method: 'GET', headers: session.headers({ accept: 'text/event-stream', ...resume }), signal: abort.signal })
        if (answer.statusCode === 405 || answer.statusCode === 404) {
          await answer.body.dump()
          return
        }
        answer.body.on('data', (chunk: Buffer) => parser.push(chunk))
        await new Promise<void>((resolve) => {
          answer.body.once('end', resolve)
          answer.body.once('error', () => resolve())
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
