// The stdio transport on one side, the bridge's Streamable HTTP endpoint on the other, as a raw
// line relay: each line from the client is POSTed as it is, and each JSON answer or SSE `data:`
// event goes back as one line. No fetch, no web streams, no schema parse; only what the transport
// needs (the session id, the negotiated version), keeps the server's notification stream open
// and ends the session when stdin ends or the relay is told to stop. Only protocol messages touch stdout.
import type { Duplex, Readable, Writable } from 'node:stream'
import { StdioHttp } from './stdio-http.js'
import { openNotificationStream, type RetryDelays } from './stdio-listen.js'
import { readLines } from './stdio-lines.js'
import { StdioSession } from './stdio-session.js'

export interface StdioRelayOptions {
  url: string
  headers: Record<string, string>
  stdin: Readable
  stdout: Writable
  log: (line: string) => void
  /** A connection to a bridge in this process (`stdio --standalone`): no TCP hop to itself. */
  connect?: () => Duplex
  /** Ends the relay as if stdin had ended (the command aborts it on SIGTERM and SIGINT). */
  stop?: AbortSignal
  /** How long the notification stream waits before it is opened again (tests shorten it). */
  retryDelays?: RetryDelays
}

/** Runs until stdin ends or `stop` aborts; then ends the bridge session too. */
export async function relayStdio(options: StdioRelayOptions): Promise<void> {
  const http = new StdioHttp(new URL(options.url), options.connect)
  const session = new StdioSession(http, options)
  let listening: { close(): void } | undefined
  readLines(options.stdin, (line) => {
    void session.post(line).then((ready) => {
      // The server's own stream opens once the session is ready (after notifications/initialized).
      if (ready && !listening) listening = openNotificationStream(http, session, options)
    })
  })
  await new Promise<void>((resolve) => {
    options.stdin.once('end', resolve)
    options.stdin.once('close', resolve)
    if (options.stop?.aborted) resolve()
    options.stop?.addEventListener('abort', () => resolve(), { once: true })
  })
  // Told to stop: read no more lines, and let go of stdin so the process can exit.
  if (options.stop?.aborted) options.stdin.destroy()
  // The client is gone: answers still on their way have no reader, so they are not waited for.
  listening?.close()
  await session.end()
  http.close()
}
