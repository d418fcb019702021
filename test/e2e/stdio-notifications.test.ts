// The stdio relay's hold on the server's notification stream, against a loopback HTTP server that
// stands in for the bridge and answers each GET as the test scripts it: refusals are said on
// stderr once each and retried later and later, a 401 ends the stream with what to do, and a
// stream cut mid-event leaves nothing half-written on stdout (the client's protocol channel).
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { relayStdio } from '../../src/proxy/stdio-relay.js'

type GetAnswer = (req: IncomingMessage, res: ServerResponse) => void

interface FakeBridge {
  url: string
  /** Each GET's Last-Event-ID header, in order. */
  gets: Array<string | undefined>
  deletes: number
  close(): Promise<void>
}

/** Answers initialize with a session, notifications with 202, DELETE with 200, and the n-th GET with `getAnswers[n]`. */
async function startFakeBridge(getAnswers: GetAnswer[]): Promise<FakeBridge> {
  const gets: Array<string | undefined> = []
  let deletes = 0
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      const lastEventId = req.headers['last-event-id']
      gets.push(typeof lastEventId === 'string' ? lastEventId : undefined)
      const answer = getAnswers[gets.length - 1]
      if (answer) return answer(req, res)
      // Past the script: an open stream that says nothing, until the relay lets go.
      res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders()
      return
    }
    if (req.method === 'DELETE') {
      deletes++
      return res.writeHead(200).end()
    }
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const message = JSON.parse(body) as { id?: number; method: string }
      if (message.id === undefined) return res.writeHead(202).end()
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'session-1' })
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: message.id,
          result: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            serverInfo: { name: 'fake', version: '1' },
          },
        }),
      )
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/mcp/demo`,
    gets,
    get deletes() {
      return deletes
    },
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

const refuse =
  (status: number, type: string, body: string): GetAnswer =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': type }).end(body)

const event = (id: number) =>
  `id: ${id}\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `event ${id}` } })}\n\n`

/** Runs a relay to `bridge` with the session made ready; stdout's lines and stderr's are collected. */
function startRelay(bridge: FakeBridge) {
  const stdin = new PassThrough()
  const stdout = new PassThrough()
  const log: string[] = []
  let out = ''
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const running = relayStdio({
    url: bridge.url,
    headers: { Authorization: 'Bearer mob_test' },
    stdin,
    stdout,
    log: (line) => log.push(line),
    retryDelays: { firstMs: 20, maxMs: 80 },
  })
  stdin.write(
    `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`,
  )
  stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`)
  return {
    log,
    /** stdout's whole lines, after the initialize answer. */
    notifications: () => out.split('\n').slice(1, -1),
    stdoutText: () => out,
    stop: async () => {
      stdin.end()
      await running
    },
  }
}

describe('stdio notification stream', () => {
  let bridge: FakeBridge | undefined
  afterEach(async () => {
    await bridge?.close()
    bridge = undefined
  })

  it('says each refusal once on stderr with what the bridge said, waits longer after each, starts over after a good stream, and stops at a 401', async () => {
    bridge = await startFakeBridge([
      refuse(500, 'text/plain', 'upstream pool exhausted'),
      refuse(503, 'application/json', '{"error":"busy"}'),
      refuse(
        400,
        'application/json',
        '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: no stream here"},"id":null}',
      ),
      (_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(event(1)),
      refuse(200, 'application/json', '{"not":"a stream"}'),
      refuse(
        401,
        'application/json',
        '{"jsonrpc":"2.0","error":{"code":-32600,"message":"This bridge needs its access token"},"id":null}',
      ),
    ])
    const relay = startRelay(bridge)
    await expect.poll(() => relay.log.some((line) => line.includes('HTTP 401'))).toBe(true)
    expect(relay.log).toHaveLength(5)
    const [first, second, third, afterStream, refused] = relay.log as [
      string,
      string,
      string,
      string,
      string,
    ]
    expect(first).toMatch(
      /HTTP 500 \(text\/plain\): upstream pool exhausted\. Trying again in 0\.02 s/,
    )
    expect(second).toMatch(/HTTP 503 .*\{"error":"busy"\}\. Trying again in 0\.04 s/)
    expect(third).toMatch(/HTTP 400 .*no stream here.*Trying again in 0\.08 s/)
    // An event stream was open between them: the wait starts over; a 200 that is not a stream is a refusal too.
    expect(afterStream).toMatch(
      /HTTP 200 \(application\/json\): \{"not":"a stream"\}\. Trying again in 0\.02 s/,
    )
    expect(refused).toMatch(/HTTP 401: .*This bridge needs its access token/)
    expect(refused).toMatch(/access token kept in its home folder/)
    expect(refused).toContain('mcp-oauth-bridge connect demo')
    expect(relay.notifications().map((line) => JSON.parse(line).params.data)).toEqual(['event 1'])
    // A stopped stream asks no more: five retry intervals of this test pass without another GET.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(bridge.gets).toHaveLength(6)
    await relay.stop()
    expect(bridge.deletes).toBe(1)
  })

  it('stops at a 403 without asking again', async () => {
    bridge = await startFakeBridge([refuse(403, 'application/json', '{"error":"Forbidden: Host"}')])
    const relay = startRelay(bridge)
    await expect.poll(() => relay.log.length).toBe(1)
    expect(relay.log[0]).toMatch(
      /refused this command for the notification stream \(HTTP 403: \{"error":"Forbidden: Host"\}\)/,
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(bridge.gets).toHaveLength(1)
    await relay.stop()
  })

  it('writes only whole messages when a stream is cut mid-event, and resumes after the last whole one', async () => {
    bridge = await startFakeBridge([
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        // Event 2 is cut inside its data line: the connection drops before the line ends.
        res.write(`${event(1)}${event(2).slice(0, 40)}`, () => res.destroy())
      },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write(event(3))
      },
    ])
    const relay = startRelay(bridge)
    await expect.poll(() => relay.notifications().length).toBe(2)
    const messages = relay
      .notifications()
      .map((line) => JSON.parse(line) as { params: { data: string } })
    expect(messages.map((message) => message.params.data)).toEqual(['event 1', 'event 3'])
    expect(bridge.gets).toEqual([undefined, '1'])
    expect(relay.stdoutText().endsWith('\n')).toBe(true)
    await relay.stop()
  })
})
