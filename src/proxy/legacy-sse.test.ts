import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { UpstreamRequest, UpstreamResponse } from './forward.js'
import { createLegacySseSender, type LegacySseSender } from './legacy-sse.js'
import { SseParser } from './sse-events.js'
import { detectTransport } from './transport-detect.js'

// A scripted HTTP+SSE upstream: each GET /sse opens a stream that names /messages?s=<n>.
interface Fake {
  origin: string
  url: URL
  streams: Map<string, ServerResponse>
  gets: IncomingMessage['headers'][]
  posts: Array<{
    stream: string
    headers: IncomingMessage['headers']
    message: Record<string, unknown>
  }>
  /** How the server answers a GET; default: a stream with an endpoint event. */
  onGet?: (req: IncomingMessage, res: ServerResponse, stream: string) => boolean
  /** How the server answers a POST; default: 202, then a result naming the method on the stream. */
  onPost?: (
    message: Record<string, unknown>,
    res: ServerResponse,
    stream: ServerResponse | undefined,
  ) => void
  emit(stream: string, message: unknown): void
  close(): Promise<void>
}

async function startFake(): Promise<Fake> {
  let count = 0
  const fake: Fake = {
    origin: '',
    url: new URL('http://x'),
    streams: new Map(),
    gets: [],
    posts: [],
    emit(stream, message) {
      fake.streams.get(stream)?.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`)
    },
    close: async () => undefined,
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', fake.origin)
    if (req.method === 'GET' && url.pathname === '/sse') {
      count += 1
      const stream = String(count)
      fake.gets.push(req.headers)
      if (fake.onGet?.(req, res, stream)) return
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(`event: endpoint\ndata: /messages?s=${stream}\n\n`)
      fake.streams.set(stream, res)
      res.on('close', () => fake.streams.delete(stream))
      return
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const stream = url.searchParams.get('s') ?? ''
        const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<
          string,
          unknown
        >
        fake.posts.push({ stream, headers: req.headers, message })
        const sse = fake.streams.get(stream)
        if (fake.onPost) return fake.onPost(message, res, sse)
        if (!sse) return void res.writeHead(404).end('no such session')
        res.writeHead(202).end('Accepted')
        if (typeof message.method === 'string' && message.id !== undefined) {
          fake.emit(stream, { jsonrpc: '2.0', id: message.id, result: { method: message.method } })
        }
      })
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.url = new URL('/sse', fake.origin)
  fake.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return fake
}

interface CallOptions {
  method?: string
  body?: unknown
  session?: string
  token?: string
  staticHeaders?: Record<string, string>
  signal?: AbortSignal
  url?: URL
}

function request(fake: Fake, options: CallOptions): UpstreamRequest {
  const body =
    options.body === undefined
      ? undefined
      : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body))
  return {
    url: options.url ?? fake.url,
    method: options.method ?? 'POST',
    clientHeaders: options.session ? { 'mcp-session-id': options.session } : {},
    body,
    staticHeaders: options.staticHeaders,
    token: options.token,
    signal: options.signal ?? new AbortController().signal,
  }
}

async function readAll(body: Readable): Promise<string> {
  let text = ''
  for await (const chunk of body as AsyncIterable<Buffer | string>) text += chunk.toString()
  return text
}

/** A JSON-RPC answer as these tests read it (a batch's answers are only compared whole, with toEqual). */
interface Answer {
  id?: unknown
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

async function json(response: UpstreamResponse): Promise<Answer> {
  const text = await readAll(response.body)
  // An empty body reads as an answer with nothing in it.
  return text ? (JSON.parse(text) as Answer) : {}
}

const initialize = (id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 't', version: '1' },
  },
})

/** Collects `message` events from a client GET stream. */
function collect(body: Readable): { messages: unknown[]; ended: Promise<void> } {
  const messages: unknown[] = []
  const parser = new SseParser((event) => messages.push(JSON.parse(event.data)), 1_000_000)
  body.on('data', (chunk: Buffer) => parser.push(chunk.toString()))
  const ended = new Promise<void>((resolve) => {
    body.on('end', resolve)
    body.on('close', resolve)
  })
  return { messages, ended }
}

async function until(condition: () => boolean, ms = 3_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('createLegacySseSender', () => {
  let fake: Fake
  let sender: LegacySseSender
  const open: Array<{ close(): Promise<unknown> }> = []

  const start = async (options: Parameters<typeof createLegacySseSender>[0] = {}) => {
    fake = await startFake()
    sender = createLegacySseSender(options)
    open.push(sender, fake)
  }
  const init = async (token = 'tok') => {
    const response = await sender.send(request(fake, { body: initialize(), token }))
    expect(response.statusCode).toBe(200)
    await json(response)
    return response.headers['mcp-session-id'] as string
  }
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close()
  })

  it('initializes over the event stream and mints an unguessable session id', async () => {
    await start()
    const response = await sender.send(
      request(fake, {
        body: initialize(),
        token: 'tok',
        staticHeaders: { 'x-api-key': 'k', Authorization: 'Basic no' },
      }),
    )
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json')
    expect(await json(response)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { method: 'initialize' },
    })
    const session = response.headers['mcp-session-id'] as string
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(fake.gets[0]).toMatchObject({
      accept: 'text/event-stream',
      authorization: 'Bearer tok',
      'x-api-key': 'k',
    })
    expect(fake.posts[0]?.headers).toMatchObject({
      authorization: 'Bearer tok',
      'x-api-key': 'k',
      'content-type': 'application/json',
    })
    expect(sender.sessionCount()).toBe(1)
  })

  it('answers requests as JSON and notifications with 202, on the same upstream stream', async () => {
    await start()
    const session = await init()
    const note = await sender.send(
      request(fake, {
        session,
        token: 'tok',
        body: { jsonrpc: '2.0', method: 'notifications/initialized' },
      }),
    )
    expect(note.statusCode).toBe(202)
    const list = await sender.send(
      request(fake, {
        session,
        token: 'tok',
        body: { jsonrpc: '2.0', id: 'a', method: 'tools/list' },
      }),
    )
    expect(await json(list)).toEqual({ jsonrpc: '2.0', id: 'a', result: { method: 'tools/list' } })
    expect(fake.gets).toHaveLength(1)
    expect(new Set(fake.posts.map((post) => post.stream))).toEqual(new Set(['1']))
  })

  it('splits a batch into single messages and answers with an array', async () => {
    await start()
    const session = await init()
    const batch = await sender.send(
      request(fake, {
        session,
        token: 'tok',
        body: [
          { jsonrpc: '2.0', id: 2, method: 'tools/list' },
          { jsonrpc: '2.0', method: 'notifications/progress', params: {} },
          { jsonrpc: '2.0', id: 3, method: 'ping' },
        ],
      }),
    )
    expect(await json(batch)).toEqual([
      { jsonrpc: '2.0', id: 2, result: { method: 'tools/list' } },
      { jsonrpc: '2.0', id: 3, result: { method: 'ping' } },
    ])
  })

  it('sends server messages on the GET stream, keeping those that came before it opened', async () => {
    await start()
    const session = await init()
    fake.emit('1', {
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { level: 'info', data: 'early' },
    })
    fake.emit('1', { jsonrpc: '2.0', id: 99, result: {} }) // an answer nobody waits for: dropped
    await until(() => true)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const get = await sender.send(request(fake, { method: 'GET', session, token: 'tok' }))
    expect(get.statusCode).toBe(200)
    expect(get.headers['content-type']).toBe('text/event-stream')
    const stream = collect(get.body)
    fake.emit('1', { jsonrpc: '2.0', id: 's1', method: 'roots/list' })
    await until(() => stream.messages.length === 2)
    expect(stream.messages).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'early' } },
      { jsonrpc: '2.0', id: 's1', method: 'roots/list' },
    ])
    // The client's answer to the server's request goes to the endpoint: 202.
    const answer = await sender.send(
      request(fake, {
        session,
        token: 'tok',
        body: { jsonrpc: '2.0', id: 's1', result: { roots: [] } },
      }),
    )
    expect(answer.statusCode).toBe(202)
    expect(fake.posts.at(-1)?.message).toEqual({ jsonrpc: '2.0', id: 's1', result: { roots: [] } })
    // DELETE ends the client's stream and the upstream one.
    const deleted = await sender.send(request(fake, { method: 'DELETE', session, token: 'tok' }))
    expect(deleted.statusCode).toBe(200)
    await stream.ended
    await until(() => fake.streams.size === 0)
    const after = await sender.send(
      request(fake, { session, token: 'tok', body: { jsonrpc: '2.0', id: 5, method: 'ping' } }),
    )
    expect(after.statusCode).toBe(404)
  })

  it('returns a 401 on the event stream as it came, with its challenge, and keeps no session', async () => {
    await start()
    fake.onGet = (_req, res) => {
      res
        .writeHead(401, { 'www-authenticate': 'Bearer resource_metadata="https://as.example/prm"' })
        .end('{"error":"invalid_token"}')
      return true
    }
    const response = await sender.send(request(fake, { body: initialize(), token: 'old' }))
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toContain('resource_metadata')
    expect(await readAll(response.body)).toBe('{"error":"invalid_token"}')
    expect(sender.sessionCount()).toBe(0)
  })

  it('returns a 401 on a POST, and the retry uses the token of the new request', async () => {
    await start()
    const session = await init('old')
    fake.onPost = (message, res, sse) => {
      if (message.method === undefined) return void res.writeHead(202).end()
      // Checked per POST: the stream opened with "old" stays open.
      if (fake.posts.at(-1)?.headers.authorization !== 'Bearer new') {
        return void res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end()
      }
      res.writeHead(202).end()
      sse?.write(
        `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { ok: true } })}\n\n`,
      )
    }
    const body = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'x' } }
    const refused = await sender.send(request(fake, { session, token: 'old', body }))
    expect(refused.statusCode).toBe(401)
    expect(refused.headers['www-authenticate']).toContain('invalid_token')
    await readAll(refused.body)
    const retried = await sender.send(request(fake, { session, token: 'new', body }))
    expect(await json(retried)).toEqual({ jsonrpc: '2.0', id: 7, result: { ok: true } })
    expect(fake.gets).toHaveLength(1)
  })

  it('refuses an endpoint on another origin and sends it nothing', async () => {
    await start()
    const other = await startFake()
    open.push(other)
    fake.onGet = (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/event-stream' })
        .write(`event: endpoint\ndata: ${other.origin}/messages?s=1\n\n`)
      return true
    }
    const response = await sender.send(request(fake, { body: initialize(), token: 'secret' }))
    const answer = await json(response)
    expect(answer.id).toBe(1)
    expect(answer.error?.message).toContain('another origin')
    expect(other.posts).toHaveLength(0)
    expect(sender.sessionCount()).toBe(0)
  })

  it('says so when the URL does not open an event stream', async () => {
    await start()
    fake.onGet = (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not here</h1>')
      return true
    }
    const answer = await json(await sender.send(request(fake, { body: initialize() })))
    expect(answer.error?.message).toMatch(
      /did not open an event stream \(HTTP 404, text\/html.*HTTP\+SSE/,
    )
  })

  it('gives up on an endpoint that never comes', async () => {
    await start({ connectTimeoutMs: 200 })
    fake.onGet = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': nothing yet\n\n')
      return true
    }
    const answer = await json(await sender.send(request(fake, { body: initialize() })))
    expect(answer.error?.message).toMatch(/endpoint within 0.2 s/)
  })

  it('times out a request with a JSON-RPC error and asks the server to cancel it', async () => {
    await start({ requestTimeoutMs: 300 })
    const session = await init()
    fake.onPost = (_message, res) => void res.writeHead(202).end()
    const response = await sender.send(
      request(fake, {
        session,
        token: 'tok',
        body: { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'slow' } },
      }),
    )
    expect(response.statusCode).toBe(200)
    const answer = await json(response)
    expect(answer).toMatchObject({ id: 9, error: { code: -32000 } })
    expect(answer.error?.message).toContain('did not answer tools/call within 0.3 s')
    await until(() => fake.posts.some((post) => post.message.method === 'notifications/cancelled'))
    expect(fake.posts.at(-1)?.message).toMatchObject({ params: { requestId: 9 } })
  })

  it("uses the bridge's upstreamTimeoutSeconds when the request carries it, and names the setting", async () => {
    await start({ requestTimeoutMs: 60_000 })
    const session = await init()
    fake.onPost = (_message, res) => void res.writeHead(202).end()
    const response = await sender.send({
      ...request(fake, {
        session,
        token: 'tok',
        body: { jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'slow' } },
      }),
      timeoutMs: 200,
    })
    const answer = await json(response)
    expect(answer).toMatchObject({ id: 10, error: { code: -32000 } })
    expect(answer.error?.message).toMatch(
      /did not answer tools\/call within 0\.2 s \(upstreamTimeoutSeconds in config\.json; .*0 for no limit/,
    )
  })

  it('progress for a request keeps it alive past the timeout', async () => {
    await start({ requestTimeoutMs: 300 })
    const session = await init()
    fake.onPost = (message, res, sse) => {
      res.writeHead(202).end()
      if (message.id === undefined || !sse) return
      let step = 0
      const timer = setInterval(() => {
        step += 1
        if (step < 5)
          return void sse.write(
            `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p', progress: step } })}\n\n`,
          )
        clearInterval(timer)
        sse.write(
          `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { finished: true } })}\n\n`,
        )
      }, 150)
    }
    const response = await sender.send(
      request(fake, {
        session,
        token: 'tok',
        body: {
          jsonrpc: '2.0',
          id: 10,
          method: 'tools/call',
          params: { name: 'long', _meta: { progressToken: 'p' } },
        },
      }),
    )
    expect(await json(response)).toEqual({ jsonrpc: '2.0', id: 10, result: { finished: true } })
  })

  it('fails pending requests when the upstream stream drops, then answers 404', async () => {
    await start()
    const session = await init()
    fake.onPost = (_message, res) => void res.writeHead(202).end()
    const get = await sender.send(request(fake, { method: 'GET', session, token: 'tok' }))
    const stream = collect(get.body)
    const pending = sender.send(
      request(fake, {
        session,
        token: 'tok',
        body: { jsonrpc: '2.0', id: 11, method: 'tools/call' },
      }),
    )
    await until(() => fake.posts.length === 2)
    fake.streams.get('1')?.end()
    const answer = await json(await pending)
    expect(answer.error?.message).toMatch(/closed its event stream.*session has ended/)
    await stream.ended
    const next = await sender.send(
      request(fake, { session, token: 'tok', body: { jsonrpc: '2.0', id: 12, method: 'ping' } }),
    )
    expect(next.statusCode).toBe(404)
    expect(sender.sessionCount()).toBe(0)
  })

  it('answers 400 without a session, 404 for an unknown one, and 413 for a large body', async () => {
    await start({ maxBodyBytes: 1_000 })
    expect(
      (await sender.send(request(fake, { body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } })))
        .statusCode,
    ).toBe(400)
    expect((await sender.send(request(fake, { method: 'GET' }))).statusCode).toBe(400)
    expect((await sender.send(request(fake, { method: 'GET', session: 'nope' }))).statusCode).toBe(
      404,
    )
    expect(
      (await sender.send(request(fake, { method: 'DELETE', session: 'nope' }))).statusCode,
    ).toBe(404)
    expect(
      (
        await sender.send(
          request(fake, { session: 'nope', body: { jsonrpc: '2.0', id: 1, method: 'ping' } }),
        )
      ).statusCode,
    ).toBe(404)
    expect((await sender.send(request(fake, { body: 'not json' }))).statusCode).toBe(400)
    expect(
      (await sender.send(request(fake, { body: { ...initialize(), pad: 'x'.repeat(2_000) } })))
        .statusCode,
    ).toBe(413)
    expect(fake.gets).toHaveLength(0)
  })

  it('treats a session as unknown once the server URL changed', async () => {
    await start()
    const session = await init()
    const moved = new URL('/sse?v=2', fake.origin)
    expect(
      (
        await sender.send(
          request(fake, { url: moved, session, body: { jsonrpc: '2.0', id: 2, method: 'ping' } }),
        )
      ).statusCode,
    ).toBe(404)
  })

  it('bounds sessions: the longest-idle unused one makes room, a used one does not', async () => {
    await start({ maxSessions: 1 })
    const first = await init()
    const second = await init()
    expect(sender.sessionCount()).toBe(1)
    expect((await sender.send(request(fake, { method: 'GET', session: first }))).statusCode).toBe(
      404,
    )
    const get = await sender.send(request(fake, { method: 'GET', session: second }))
    collect(get.body)
    const third = await json(await sender.send(request(fake, { body: initialize(3) })))
    expect(third.error?.message).toMatch(/already holds 1 sessions/)
  })

  it('bounds requests in flight per session', async () => {
    await start({ maxPendingPerSession: 1 })
    const session = await init()
    fake.onPost = (_message, res) => void res.writeHead(202).end()
    const waiting = sender.send(
      request(fake, { session, body: { jsonrpc: '2.0', id: 20, method: 'tools/call' } }),
    )
    await until(() => fake.posts.length === 2)
    const refused = await json(
      await sender.send(
        request(fake, { session, body: { jsonrpc: '2.0', id: 21, method: 'ping' } }),
      ),
    )
    expect(refused.error?.message).toMatch(/Too many requests/)
    await sender.close()
    expect((await json(await waiting)).error?.message).toMatch(/shutting down/)
  })

  it('refuses a second request with the id of one still waiting', async () => {
    await start()
    const session = await init()
    fake.onPost = (_message, res) => void res.writeHead(202).end()
    const waiting = sender.send(
      request(fake, { session, body: { jsonrpc: '2.0', id: 20, method: 'tools/call' } }),
    )
    await until(() => fake.posts.length === 2)
    const duplicate = await json(
      await sender.send(
        request(fake, { session, body: { jsonrpc: '2.0', id: 20, method: 'ping' } }),
      ),
    )
    expect(duplicate).toMatchObject({ id: 20, error: { code: -32600 } })
    expect(fake.posts).toHaveLength(2)
    await sender.close()
    expect((await json(await waiting)).error?.message).toMatch(/shutting down/)
  })

  it('drops the queued messages beyond its limit, oldest first', async () => {
    await start({ maxQueuedMessages: 2 })
    const session = await init()
    for (let n = 1; n <= 4; n += 1)
      fake.emit('1', { jsonrpc: '2.0', method: 'notifications/message', params: { n } })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const stream = collect((await sender.send(request(fake, { method: 'GET', session }))).body)
    await until(() => stream.messages.length === 2)
    expect(
      stream.messages.map((message) => (message as { params: { n: number } }).params.n),
    ).toEqual([3, 4])
  })
})

describe('detectTransport', () => {
  const servers: Array<{ close(): Promise<void> }> = []
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close()
  })
  const serve = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const seen: string[] = []
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.headers.authorization ?? ''}`)
      req.resume()
      handler(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push({
      close: () =>
        new Promise((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
    })
    return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`), seen }
  }

  it('finds an HTTP+SSE server: server/discover and initialize refused, then an endpoint event', async () => {
    const { url, seen } = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(405, { allow: 'GET' }).end()
      res
        .writeHead(200, { 'content-type': 'text/event-stream' })
        .write(': hi\n\nevent: endpoint\ndata: /messages?sessionId=1\n\n')
    })
    expect(await detectTransport(url, { Authorization: 'Bearer t' })).toEqual({ transport: 'sse' })
    expect(seen).toEqual(['POST Bearer t', 'POST Bearer t', 'GET Bearer t'])
  })

  it('finds Streamable HTTP, and ends the session the knock opened', async () => {
    const { url, seen } = await serve((req, res) => {
      if (req.method === 'POST')
        return void res
          .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's' })
          .end('{}')
      res.writeHead(200).end()
    })
    // The knock's server/discover comes first; this server answers it as no modern server would.
    expect(await detectTransport(url)).toEqual({ transport: 'http', era: '2025-11-25' })
    expect(seen).toEqual(['POST ', 'POST ', 'DELETE '])
  })

  it('answers none when both requests are refused: nothing there speaks MCP', async () => {
    const plain = await serve((_req, res) => void res.writeHead(404).end())
    expect(await detectTransport(plain.url)).toEqual({
      transport: 'none',
      status: 404,
      said: 'nothing',
    })
    const retired = await serve(
      (_req, res) =>
        void res
          .writeHead(410, { 'content-type': 'text/plain' })
          .end('SSE is no longer supported. use https://x.example/mcp'),
    )
    expect(await detectTransport(retired.url)).toEqual({
      transport: 'none',
      status: 410,
      said: '"SSE is no longer supported. use https://x.example/mcp"',
    })
  })

  it('answers http when the GET is no event stream or its first event is not endpoint', async () => {
    const other = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(400).end()
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: {}\n\n')
    })
    expect(await detectTransport(other.url)).toEqual({ transport: 'http', era: '2025-11-25' })
    const silent = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(404).end()
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': waiting\n\n')
    })
    expect(await detectTransport(silent.url, {}, fetch, { firstEventTimeoutMs: 200 })).toEqual({
      transport: 'http',
    })
  })

  it('asks for authorization first when either request is refused with 401', async () => {
    const onPost = await serve(
      (_req, res) =>
        void res
          .writeHead(401, {
            'www-authenticate': 'Bearer resource_metadata="https://r.example/prm", scope="a b"',
          })
          .end(),
    )
    expect(await detectTransport(onPost.url)).toMatchObject({
      transport: 'unauthorized',
      status: 401,
      challenge: { scope: 'a b' },
    })
    const onGet = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(404).end()
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end()
    })
    expect(await detectTransport(onGet.url)).toMatchObject({
      transport: 'unauthorized',
      challenge: { error: 'invalid_token' },
    })
  })
})
