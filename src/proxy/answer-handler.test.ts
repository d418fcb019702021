import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { readAll } from '../web/read-all.js'
import { answerSource, wholeAnswer } from './answer-handler.js'
import type { ChunkSink } from './chunk-source.js'
import { UpstreamHttp } from './upstream-http.js'
import type { UpstreamRequest } from './upstream.js'
import { upstreamRequest } from '../../test/support/upstream-request.js'

const ANSWER = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  result: { content: [{ type: 'text', text: 'hello' }] },
})

let server: Server | undefined
let http: UpstreamHttp | undefined

afterEach(async () => {
  await http?.close()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  server = undefined
  http = undefined
})

async function upstream(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<URL> {
  server = createServer(handle)
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`)
}

function post(url: URL, extra: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return upstreamRequest(url, {
    clientHeaders: { 'content-type': 'application/json' },
    body: Buffer.from('{}'),
    ...extra,
  })
}

describe('AnswerHandler', () => {
  it('hands a small answer over whole, straight from the dispatcher', async () => {
    const url = await upstream((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER),
    )
    http = new UpstreamHttp()
    const answer = await http.send(post(url))
    expect(answer.statusCode).toBe(200)
    expect((await wholeAnswer(answer))?.toString()).toBe(ANSWER)
  })

  it('makes the body stream on first use with what already arrived, and a copy of the answer carries it', async () => {
    const url = await upstream((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER),
    )
    http = new UpstreamHttp()
    const answer = await http.send(post(url))
    const copy = { ...answer, headers: { ...answer.headers, 'x-copied': '1' } }
    expect((await readAll(copy.body))?.toString()).toBe(ANSWER)
    // The stream has the bytes now: asking for them whole is declined rather than answered twice.
    expect(wholeAnswer(answer)).toBeUndefined()
    expect(wholeAnswer(copy)).toBeUndefined()
  })

  it('stops the upstream request when the client goes away while the answer is read whole', async () => {
    let upstreamSawClose!: () => void
    const closed = new Promise<void>((resolve) => (upstreamSawClose = resolve))
    const url = await upstream((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(ANSWER.length),
      })
      res.write(ANSWER.slice(0, 10))
      res.once('close', upstreamSawClose)
    })
    http = new UpstreamHttp()
    let leave!: () => void
    const answer = await http.send(
      post(url, { clientGone: { onGone: (listener) => (leave = listener) } }),
    )
    const whole = wholeAnswer(answer)
    leave()
    await expect(whole).rejects.toMatchObject({ name: 'AbortError' })
    await closed
  })

  it('hands an event stream over as chunks, paused and resumed by its reader, and only once', async () => {
    let sendRest!: () => void
    const url = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: 1\n\n')
      sendRest = () => res.end('data: 2\n\n')
    })
    http = new UpstreamHttp()
    const answer = await http.send(post(url))
    const source = answerSource(answer)
    expect(source).toBeDefined()
    expect(answerSource(answer)).toBeUndefined()
    expect(wholeAnswer(answer)).toBeUndefined()
    expect(() => answer.body).toThrow(/already being relayed/)
    const chunks: string[] = []
    let isOver = false
    let overBeforeResume: boolean | undefined
    let ended!: () => void
    const end = new Promise<void>((resolve) => (ended = resolve))
    const sink: ChunkSink = {
      data(chunk) {
        chunks.push(chunk.toString())
        if (chunks.length === 1) {
          // The reader holds the flow: the answer does not end until it resumes (undici may still
          // hand over the chunk it is parsing, as a Readable's push would have taken it too).
          source?.pause()
          sendRest()
          setTimeout(() => {
            overBeforeResume = isOver
            source?.resume()
          }, 100)
        }
      },
      end: () => {
        isOver = true
        ended()
      },
      error: (error) => expect.fail(error.message),
    }
    source?.start(sink)
    await end
    expect(overBeforeResume).toBe(false)
    expect(chunks.join('')).toBe('data: 1\n\ndata: 2\n\n')
  })

  it('reports an event stream that breaks off to the reader of its chunks', async () => {
    const url = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: 1\n\n', () => res.destroy())
    })
    http = new UpstreamHttp()
    const answer = await http.send(post(url))
    const failed = new Promise<Error>((resolve) =>
      answerSource(answer)?.start({ data: () => undefined, end: () => undefined, error: resolve }),
    )
    expect((await failed).message).toMatch(/other side closed|terminated|socket/i)
  })
})
