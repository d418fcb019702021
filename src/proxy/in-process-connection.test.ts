import { createServer, request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { connectionPair } from './in-process-connection.js'

describe('connectionPair', () => {
  it('carries HTTP requests to a server that is not listening, both ends parsed by node:http', async () => {
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'text/plain' })
          .end(`${req.method} ${req.url} ${body}`),
      )
    })
    const answers: string[] = []
    for (const text of ['one', 'two']) {
      answers.push(
        await new Promise<string>((resolve, reject) => {
          const sent = request(
            'http://127.0.0.1:1/x',
            {
              method: 'POST',
              createConnection: () => {
                const [client, end] = connectionPair()
                server.emit('connection', end)
                return client
              },
            },
            (res) => {
              let got = ''
              res.on('data', (chunk) => (got += chunk))
              res.on('end', () => resolve(`${res.statusCode} ${got}`))
            },
          )
          sent.once('error', reject)
          sent.end(text)
        }),
      )
    }
    expect(answers).toEqual(['200 POST /x one', '200 POST /x two'])
    server.close()
  })
})
