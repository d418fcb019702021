import {
  createServer,
  request,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { deferredHandler } from './deferred-handler.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  )
})

async function serve(handle: RequestListener): Promise<string> {
  const server = createServer(handle)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST' }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** The loaded handler: echoes the request body, so a body read after the wait is checked whole. */
function echo(req: IncomingMessage, res: ServerResponse): void {
  let body = ''
  req.on('data', (chunk: Buffer) => (body += chunk.toString()))
  req.on('end', () => res.writeHead(200).end(`echo:${body}`))
}

describe('deferredHandler', () => {
  it('holds a request that arrives before the load, then answers it with the loaded handler', async () => {
    let finish!: (value: { handle: typeof echo }) => void
    let loadCalled!: () => void
    const loadStarted = new Promise<void>((resolve) => (loadCalled = resolve))
    let loads = 0
    const deferred = deferredHandler(
      () => {
        loads++
        loadCalled()
        return new Promise<{ handle: typeof echo }>((resolve) => (finish = resolve))
      },
      () => {
        throw new Error('refuse must not be called')
      },
    )
    const url = await serve(deferred.handle)
    let settled = false
    const early = post(url, 'first').finally(() => (settled = true))
    // The request reached the handler (which started the load) and gets no answer yet.
    await loadStarted
    expect(settled).toBe(false)
    expect(deferred.started()).toBeDefined()
    finish({ handle: echo })
    expect(await early).toEqual({ status: 200, body: 'echo:first' })
    // Later requests go straight to the loaded handler; the load ran once.
    expect(await post(url, 'second')).toEqual({ status: 200, body: 'echo:second' })
    expect(loads).toBe(1)
  })

  it('answers with refuse when the load fails, and never with a half-made handler', async () => {
    const refused: string[] = []
    const deferred = deferredHandler<{ handle: typeof echo }>(
      () => Promise.reject(new Error('module missing')),
      (error, _req, res) => {
        refused.push((error as Error).message)
        res.writeHead(500).end('failed')
      },
    )
    expect(deferred.started()).toBeUndefined()
    const url = await serve(deferred.handle)
    expect(await post(url, 'x')).toEqual({ status: 500, body: 'failed' })
    expect(await post(url, 'y')).toEqual({ status: 500, body: 'failed' })
    expect(refused).toEqual(['module missing', 'module missing'])
  })
})
