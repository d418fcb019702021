// The server's own notification stream for a stdio client (MCP Streamable HTTP §Listening for
// Messages from the Server): a GET kept open, each event written as a line, opened again with
// Last-Event-ID when it drops. A 405 means the server offers none. Any other answer that is not
// an event stream is said once on stderr and tried again later, waiting longer each time; a 401
// or 403 is not tried again, since the same request would be refused the same way.
import type { IncomingMessage } from 'node:http'
import type { Writable } from 'node:stream'
import { connectHint } from '../cli/commands-named.js'
import { SseLineParser } from './sse-lines.js'
import { drain, type StdioHttp } from './stdio-http.js'
import { writeLine } from './stdio-lines.js'
import type { StdioSession } from './stdio-session.js'

export interface RetryDelays {
  /** The wait before the first retry, and again after a stream that was open. */
  firstMs: number
  /** The longest wait: each refusal in a row doubles it up to this. */
  maxMs: number
}

const RETRY_DELAYS: RetryDelays = { firstMs: 1_000, maxMs: 30_000 }
/** How much of a refusal's body goes into the line on stderr. */
const EXCERPT_CHARS = 200

type Attempt = 'streamed' | 'failed' | 'stop'

export function openNotificationStream(
  http: StdioHttp,
  session: StdioSession,
  options: {
    url: string
    stdout: Writable
    log: (line: string) => void
    retryDelays?: RetryDelays
  },
): { close(): void } {
  const abort = new AbortController()
  const delays = options.retryDelays ?? RETRY_DELAYS
  // The only state a reconnect carries: an event cut off with the old stream is not finished by
  // the new one's first bytes (each connection gets a parser of its own).
  let lastEventId: string | undefined
  let delay = delays.firstMs

  const attempt = async (): Promise<Attempt> => {
    const resume: Record<string, string> = lastEventId ? { 'last-event-id': lastEventId } : {}
    const answer = await http.send(
      'GET',
      session.headers({ accept: 'text/event-stream', ...resume }),
      undefined,
      abort.signal,
    )
    const status = answer.statusCode ?? 0
    if (status === 405 || status === 404) {
      await drain(answer)
      return 'stop'
    }
    const type = String(answer.headers['content-type'] ?? '')
    if (status !== 200 || !type.includes('text/event-stream')) {
      const said = await excerptOf(answer)
      if (status === 401 || status === 403) {
        options.log(refusalLine(status, said, options.url))
        return 'stop'
      }
      options.log(
        `The bridge answered the notification stream with HTTP ${status}${type ? ` (${type})` : ''}${said ? `: ${said}` : ''}. Trying again in ${formatSeconds(delay)}; the bridge's log says more.`,
      )
      return 'failed'
    }
    const parser = new SseLineParser((event) => {
      if (event.event === 'message') writeLine(options.stdout, event.data)
    })
    answer.on('data', (chunk: Buffer) => {
      parser.push(chunk)
      if (parser.lastEventId !== undefined) lastEventId = parser.lastEventId
    })
    await ended(answer)
    return 'streamed'
  }

  const listen = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      let outcome: Attempt
      try {
        outcome = await attempt()
      } catch (error) {
        if (abort.signal.aborted) return
        options.log(
          `The notification stream could not reach the bridge: ${(error as Error).message}. Trying again in ${formatSeconds(delay)}.`,
        )
        outcome = 'failed'
      }
      if (outcome === 'stop' || abort.signal.aborted) return
      if (outcome === 'streamed') delay = delays.firstMs
      await wait(delay, abort.signal)
      if (outcome === 'failed') delay = Math.min(delay * 2, delays.maxMs)
    }
  }
  void listen()
  return { close: () => abort.abort() }
}

/** A 401 or 403: what the bridge said, and what makes the next start work. */
function refusalLine(status: number, said: string, url: string): string {
  const server = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '')
  const what =
    status === 401 ? 'refused the bridge access token this command sent' : 'refused this command'
  return (
    `The bridge ${what} for the notification stream (HTTP ${status}${said ? `: ${said}` : ''}). ` +
    'This command sends the access token kept in its home folder (MCP_OAUTH_BRIDGE_HOME, or ~/.mcp-oauth-bridge): ' +
    `run it with the same home as the running bridge, then restart the client. ${connectHint(server)} ` +
    'Server notifications stay off until then.'
  )
}

/** The start of an answer's body, on one line. */
async function excerptOf(answer: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  answer.on('data', (chunk: Buffer) => {
    if (size < EXCERPT_CHARS * 4) chunks.push(chunk)
    size += chunk.length
  })
  await ended(answer)
  const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim()
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text
}

function ended(answer: IncomingMessage): Promise<void> {
  return new Promise<void>((resolve) => {
    answer.once('end', resolve)
    answer.once('error', () => resolve())
    answer.once('close', () => resolve())
  })
}

/** Resolves after `ms`, or at once when the relay stops; never holds the process open. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    timer.unref()
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

function formatSeconds(ms: number): string {
  return `${ms / 1000} s`
}
