// A request and its response without a socket, for handler and stage tests: node:http's own
// IncomingMessage and ServerResponse, the response written into memory. The request is HTTP/1.0
// so the answer comes back unchunked: head, blank line, body as written.
import { IncomingMessage, ServerResponse } from 'node:http'
import { Duplex } from 'node:stream'
import { Socket } from 'node:net'

export interface InMemoryRequest {
  method?: string
  url?: string
  headers?: Record<string, string>
  body?: string | Buffer
}

export interface InMemoryAnswer {
  status: number
  headers: Record<string, string>
  body: string
  json(): unknown
}

export function inMemoryRequest(request: InMemoryRequest = {}): {
  req: IncomingMessage
  res: ServerResponse
  answer: Promise<InMemoryAnswer>
} {
  const req = new IncomingMessage(new Socket())
  req.method = request.method ?? 'POST'
  req.url = request.url ?? '/'
  req.httpVersionMajor = 1
  req.httpVersionMinor = 0
  req.httpVersion = '1.0'
  req.headers = { host: 'localhost:3000', ...lowerCased(request.headers ?? {}) }
  if (request.body !== undefined)
    req.push(typeof request.body === 'string' ? Buffer.from(request.body) : request.body)
  req.push(null)
  const res = new ServerResponse(req)
  const written: Buffer[] = []
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk)
      done()
    },
  })
  res.assignSocket(socket as unknown as Socket)
  const answer = new Promise<InMemoryAnswer>((resolve) => {
    const settle = () => resolve(parseAnswer(Buffer.concat(written).toString('utf8')))
    res.once('finish', settle)
    res.once('close', settle)
  })
  return { req, res, answer }
}

function parseAnswer(raw: string): InMemoryAnswer {
  const split = raw.indexOf('\r\n\r\n')
  const [statusLine = '', ...lines] = (split === -1 ? raw : raw.slice(0, split)).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  const body = split === -1 ? '' : raw.slice(split + 4)
  return {
    status: Number(statusLine.split(' ')[1] ?? 0),
    headers,
    body,
    json: () => JSON.parse(body),
  }
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  )
}
