// Carries MCP messages between stdin/stdout (for clients that only launch local commands) and
// the bridge's Streamable HTTP endpoint as raw lines: each line from the client is POSTed as
// it is (node:http, see stdio-http.ts); each JSON answer, or each SSE `data:` event, goes back
// as a line. No message is parsed against a schema; the relay only notes what the transport
// needs (the session id, the negotiated version), keeps the server's notification stream open
// and ends the session when stdin ends. Only protocol messages touch stdout.
import type { Duplex, Readable, Writable } from 'node:stream'
import { StdioHttp } from './stdio-http.js'
import { openNotificationStream } from './stdio-listen.js'
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
}

/** Runs until stdin ends; then ends the bridge session too. */
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
  })
  // The client is gone: answers still on their way have no reader, so they are not waited for.
  listening?.close()
  await session.end()
  http.close()
}
