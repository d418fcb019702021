// Carries MCP messages between stdin/stdout (for clients that only launch local commands) and
// the bridge's Streamable HTTP endpoint as raw lines: each line from the client is POSTed as
// it is; each JSON answer, or each SSE `data:` event, goes back as a line. No message is
// parsed against a schema; the relay only notes what the transport needs (the session id, the
// negotiated version), keeps the server's notification stream open and ends the session when
// stdin ends. Only protocol messages touch stdout.
import type { Readable, Writable } from 'node:stream'
import { Pool } from 'undici'
import { openNotificationStream } from './stdio-listen.js'
import { readLines } from './stdio-lines.js'
import { StdioSession } from './stdio-session.js'

export interface StdioRelayOptions {
  url: string
  headers: Record<string, string>
  stdin: Readable
  stdout: Writable
  log: (line: string) => void
}

/** Runs until stdin ends; then ends the bridge session too. */
export async function relayStdio(options: StdioRelayOptions): Promise<void> {
  const url = new URL(options.url)
  const pool = new Pool(url.origin, { keepAliveTimeout: 30_000, bodyTimeout: 0, headersTimeout: 0 })
  const session = new StdioSession(pool, url, options)
  let listening: { close(): void } | undefined
  readLines(options.stdin, (line) => {
    void session.post(line).then((ready) => {
      // The server's own stream opens once the session is ready (after notifications/initialized).
      if (ready && !listening) listening = openNotificationStream(pool, url, session, options)
    })
  })
  await new Promise<void>((resolve) => {
    options.stdin.once('end', resolve)
    options.stdin.once('close', resolve)
  })
  // The client is gone: answers still on their way have no reader, so they are not waited for.
  listening?.close()
  await session.end()
  await pool.destroy()
}
