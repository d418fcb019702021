// One stdio client's session with the bridge: the headers every request carries (the session id
// the bridge gave at initialize, the version it negotiated), each line POSTed and its answer
// written back as lines, and the DELETE that ends the session.
import type { Writable } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import {
  BRIDGE_ERROR,
  errorResponse,
  isRequest,
  parseMessageText,
  type JsonRpcId,
} from './jsonrpc.js'
import { SseLineParser } from './sse-lines.js'
import { drain, type StdioHttp } from './stdio-http.js'
import { ModernHeaders } from './stdio-modern.js'
import { writeLine } from './stdio-lines.js'

/** How long the DELETE that ends the session may take when the relay stops. */
const END_TIMEOUT_MS = 5_000

export class StdioSession {
  readonly #http: StdioHttp
  readonly #base: Record<string, string>
  readonly #stdout: Writable
  readonly #log: (line: string) => void
  readonly #modern = new ModernHeaders()
  sessionId: string | undefined
  #protocolVersion: string | undefined

  constructor(
    http: StdioHttp,
    options: { headers: Record<string, string>; stdout: Writable; log: (line: string) => void },
  ) {
    this.#http = http
    this.#base = options.headers
    this.#stdout = options.stdout
    this.#log = options.log
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...this.#base,
      ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}),
      ...(this.#protocolVersion ? { 'mcp-protocol-version': this.#protocolVersion } : {}),
      ...extra,
    }
  }

  /** POSTs one line; resolves true when it was the `notifications/initialized` of a session. */
  async post(line: string): Promise<boolean> {
    const initialize = line.includes('"initialize"') ? requestIdOf(line, 'initialize') : undefined
    try {
      const mirrored = this.#modern.for(line)
      const answer = await this.#http.send(
        'POST',
        this.headers({
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...mirrored,
        }),
        line,
      )
      const id = answer.headers['mcp-session-id']
      if (typeof id === 'string') this.sessionId = id
      await this.#relay(
        answer,
        initialize,
        (answer.statusCode ?? 0) >= 400 ? requestIdOf(line) : undefined,
      )
      return this.sessionId !== undefined && line.includes('"notifications/initialized"')
    } catch (error) {
      this.#log(`The bridge did not take a message: ${(error as Error).message}`)
      const requestId = requestIdOf(line)
      if (requestId !== undefined)
        writeLine(
          this.#stdout,
          JSON.stringify(
            errorResponse(requestId, BRIDGE_ERROR, `mcp-oauth-bridge: ${(error as Error).message}`),
          ),
        )
      return false
    }
  }

  /** The answer's messages as lines: one JSON body, or each SSE event's data. */
  async #relay(
    answer: IncomingMessage,
    initialize: JsonRpcId | undefined,
    refusedId: JsonRpcId | undefined,
  ): Promise<void> {
    const eventStream = String(answer.headers['content-type'] ?? '').includes('text/event-stream')
    const write = (message: string) => {
      // A bare transport learns the negotiated version from the initialize result; later requests carry it.
      if (initialize !== undefined) this.#noteVersion(message, initialize)
      this.#modern.learn(message)
      writeLine(this.#stdout, message)
    }
    const parser = eventStream
      ? new SseLineParser((event) => event.event === 'message' && write(event.data))
      : undefined
    const chunks: Buffer[] = []
    answer.on('data', (chunk: Buffer) => (parser ? parser.push(chunk) : chunks.push(chunk)))
    await new Promise<void>((resolve, reject) => {
      answer.once('end', resolve)
      answer.once('error', reject)
    })
    if (!parser && chunks.length > 0)
      write(answerFor(Buffer.concat(chunks).toString('utf8'), refusedId))
  }

  #noteVersion(message: string, initializeId: JsonRpcId): void {
    const parsed = parseMessageText(message) as
      { id?: JsonRpcId; result?: { protocolVersion?: unknown } } | undefined
    // Not JSON: the client will say so.
    if (parsed?.id === initializeId && typeof parsed.result?.protocolVersion === 'string')
      this.#protocolVersion = parsed.result.protocolVersion
  }

  /** Ends the session at the bridge (a 2026-07-28 exchange has none). */
  async end(): Promise<void> {
    if (!this.sessionId) return
    // Bounded: a bridge that does not answer must not keep the process from exiting.
    await this.#http
      .send('DELETE', this.headers(), undefined, AbortSignal.timeout(END_TIMEOUT_MS))
      .then(drain, () => undefined)
  }
}

/**
 * A refusal the bridge makes before it reads the request (no token: HTTP 401) carries id null;
 * over stdio the client matches answers by id, so it gets its request's id.
 */
function answerFor(text: string, refusedId: JsonRpcId | undefined): string {
  if (refusedId === undefined) return text
  const message = parseMessageText(text) as { id?: JsonRpcId; error?: unknown } | undefined
  return message?.id === null && message.error
    ? JSON.stringify({ ...message, id: refusedId })
    : text
}

/** The id of a request line (of `method`, when given), or undefined. */
function requestIdOf(line: string, method?: string): JsonRpcId | undefined {
  const message = parseMessageText(line)
  if (!message || !isRequest(message) || (method !== undefined && message.method !== method))
    return undefined
  return message.id
}
