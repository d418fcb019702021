import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { relayResponse } from './forward.js'
import { UpstreamHttp } from './upstream-http.js'
import { upstreamRequest } from '../../test/support/upstream-request.js'

const servers: Server[] = []
let http: UpstreamHttp | undefined

afterEach(async () => {
  await http?.close()
  http = undefined
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  )
})

async function listen(server: Server): Promise<number> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** A front that relays every request to `upstreamPort` as the bridge's relay stage does. */
async function front(upstreamPort: number): Promise<number> {
  http = new UpstreamHttp()
  const sender = http
  return listen(
    createServer((req, res) => {
      const upstream = upstreamRequest(`http://127.0.0.1:${upstreamPort}/mcp`, {
        body: Buffer.from('{}'),
      })
      req.resume()
      void sender
        .send(upstream)
        .then((answer) =>
          relayResponse(answer, res, { server: 'up', owed: [1], batch: false, timeoutSeconds: 0 }),
        )
    }),
  )
}

function post(port: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request({ port, host: '127.0.0.1', method: 'POST', path: '/' }, resolve)
      .on('error', reject)
      .end('{}')
  })
}

describe('relayResponse over SSE', () => {
  it('opens the stream for the client soon even when the first event is slow to come', async () => {
    let sendEvent!: () => void
    const upstreamPort = await listen(
      createServer((req, res) => {
        req.resume()
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.flushHeaders()
        sendEvent = () =>
          res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} })}\n\n`)
      }),
    )
    const answer = await post(await front(upstreamPort))
    // The client has its headers while the upstream still holds the event.
    expect(answer.headers['content-type']).toBe('text/event-stream')
    const body: Buffer[] = []
    answer.on('data', (chunk: Buffer) => body.push(chunk))
    const ended = new Promise((resolve) => answer.once('end', resolve))
    sendEvent()
    await ended
    expect(Buffer.concat(body).toString()).toContain('"id":1')
  })

  it('sends the headers with an event that comes at once', async () => {
    const upstreamPort = await listen(
      createServer((req, res) => {
        req.resume()
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} })}\n\n`)
      }),
    )
    const answer = await post(await front(upstreamPort))
    const body: Buffer[] = []
    for await (const chunk of answer) body.push(chunk as Buffer)
    expect(Buffer.concat(body).toString()).toBe('data: {"jsonrpc":"2.0","id":1,"result":{}}\n\n')
  })
})
