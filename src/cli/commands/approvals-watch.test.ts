// The watch against a stand-in bridge whose stream drops: it reconnects while /health answers,
// prints each held call once across the reconnect (--json), and ends with an error once the
// bridge is gone; answers piped before any call is held decide the calls in order. The real
// bridge's behaviour is in test/e2e/approvals-watch.test.ts.
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { PendingCall } from '../../approvals/queue.js'
import { createContext } from '../context.js'
import { readChoice, watchApprovals } from './approvals-watch.js'

function held(id: string, createdAt: number): PendingCall {
  return { id, createdAt, server: 's', tool: 't', canAlwaysAllow: true, arguments: { id } }
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`
}

describe('approvals watch --json over a stream that drops', () => {
  let server: Server
  afterEach(
    () =>
      new Promise<void>((resolve) =>
        server.listening ? server.close(() => resolve()) : resolve(),
      ),
  )

  it('reconnects while the bridge answers, prints each call once, and fails once the bridge is gone', async () => {
    const [a, b, c] = [held('aa', 1), held('bb', 2), held('cc', 3)]
    let streams = 0
    server = createServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            service: 'mcp-oauth-bridge',
            version: 'test',
            pid: 1,
            instanceId: 'one',
          }),
        )
        return
      }
      streams += 1
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      if (streams === 1) {
        // The connection breaks mid-stream, the bridge still running.
        res.write(event('snapshot', { pending: [a] }) + event('added', { call: b }), () =>
          res.socket?.destroy(),
        )
      } else {
        // B was settled and C held while the stream was down; then the bridge goes away.
        res.write(event('snapshot', { pending: [c, a] }), () => {
          server.close()
          res.socket?.destroy()
        })
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port

    const stdout = new PassThrough()
    const stderr = new PassThrough()
    let out = ''
    let err = ''
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    const ctx = createContext(
      { stdout, stderr, stdin: new PassThrough() },
      { NO_COLOR: '1', MCP_OAUTH_BRIDGE_HOME: '/nonexistent' },
    )
    const watching = watchApprovals(
      ctx,
      { location: { source: 'flag', host: '127.0.0.1', port }, headers: {} },
      { json: true },
    )

    await expect(watching).rejects.toThrow(`The bridge on port ${port} stopped; stopped watching.`)
    expect(streams).toBe(2)
    expect(
      out
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as PendingCall).id),
    ).toEqual(['aa', 'bb', 'cc'])
    expect(err).toMatch(
      /The approvals stream dropped while the bridge still runs; reconnecting…\n.*Reconnected to the bridge\./,
    )
  })
})

describe('approvals watch with answers piped ahead', () => {
  let server: Server
  afterEach(
    () =>
      new Promise<void>((resolve) =>
        server.listening ? server.close(() => resolve()) : resolve(),
      ),
  )

  it('keeps lines read before any call is held, answers the next calls with them in order, then ends with the input', async () => {
    const decisions: Array<{ id: string; decision: string }> = []
    let stream: ServerResponse | undefined
    let streamOpen!: () => void
    const opened = new Promise<void>((resolve) => (streamOpen = resolve))
    server = createServer((req, res) => {
      if (req.url === '/approvals/api/decide') {
        let body = ''
        req.on('data', (chunk: Buffer) => (body += chunk.toString()))
        req.on('end', () => {
          const decided = JSON.parse(body) as { id: string; decision: string }
          decisions.push({ id: decided.id, decision: decided.decision })
          stream?.write(event('removed', { id: decided.id }))
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
        })
        return
      }
      stream = res
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(event('snapshot', { pending: [] }), () => streamOpen())
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port

    const stdout = new PassThrough()
    const stderr = new PassThrough()
    let out = ''
    let err = ''
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const kept = new Promise<void>((resolve) =>
      stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString()
        if (err.includes('Kept "y" for the next call asked')) resolve()
      }),
    )
    const stdin = new PassThrough()
    // A script's answers, written and closed before the bridge holds anything.
    stdin.end('y\n\nn\n')
    const ctx = createContext(
      { stdout, stderr, stdin },
      { NO_COLOR: '1', MCP_OAUTH_BRIDGE_HOME: '/nonexistent' },
    )
    const watching = watchApprovals(
      ctx,
      { location: { source: 'flag', host: '127.0.0.1', port }, headers: {} },
      { json: false },
    )
    await Promise.all([opened, kept])
    stream?.write(event('added', { call: held('aa', 1) }) + event('added', { call: held('bb', 2) }))

    await watching
    expect(decisions).toEqual([
      { id: 'aa', decision: 'approve' },
      { id: 'bb', decision: 'deny' },
    ])
    expect(out).toMatch(/✔ Approved t on s\.[\s\S]*✔ Denied t on s\./)
    expect(err).toContain('Stopped watching (the input ended)')
    expect(err).not.toContain('Ignored')
  })
})

describe('readChoice', () => {
  const call = held('0123abcd', 0)

  it('reads y, n and a, in either case and long form', () => {
    expect(readChoice('y', call, true)).toEqual({
      kind: 'decide',
      decision: 'approve',
      always: false,
    })
    expect(readChoice(' No ', call, true)).toEqual({
      kind: 'decide',
      decision: 'deny',
      always: false,
    })
    expect(readChoice('A', call, true)).toEqual({
      kind: 'decide',
      decision: 'approve',
      always: true,
    })
    expect(readChoice('h', call, true)).toEqual({
      kind: 'decide',
      decision: 'approve',
      always: false,
      forSeconds: 3600,
    })
  })

  it('refuses "always" where the page offers no always allow', () => {
    expect(readChoice('a', call, false)).toMatchObject({
      kind: 'again',
      message: expect.stringMatching(/cannot be always allowed/),
    })
    expect(readChoice('h', call, false)).toMatchObject({
      kind: 'again',
      message: expect.stringMatching(/cannot be allowed for an hour/),
    })
  })

  it('takes an id after the answer, and decides nothing when it names another call', () => {
    expect(readChoice('y 0123ABCD', call, true)).toMatchObject({
      kind: 'decide',
      decision: 'approve',
    })
    expect(readChoice('y ffff', call, true)).toMatchObject({
      kind: 'again',
      message: expect.stringMatching(/names call "ffff", but call 0123abcd is being asked/),
    })
  })

  it('asks again on anything else, quietly on an empty answer', () => {
    expect(readChoice('', call, true)).toEqual({ kind: 'again' })
    expect(readChoice('maybe', call, true)).toMatchObject({
      kind: 'again',
      message: expect.stringMatching(
        /^Answer y \(approve\), n \(deny\), a \(always allow\) or h \(allow for 1 hour\)/,
      ),
    })
  })
})
