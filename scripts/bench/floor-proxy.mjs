#!/usr/bin/env node
// The yardstick, not the product: a minimal Node proxy written the ordinary careful way.
// node:http in front, one undici Pool with keep-alive behind, pool.request() with an
// AbortController per request (aborted when the client goes away), small bodies read whole,
// answers relayed by 'data' events; no checks, no parsing, no log. `run.mjs` measures the
// bridge against it, so the bridge's cost reads as a ratio to what any Node proxy pays here.
//
//   node scripts/bench/floor-proxy.mjs <upstream origin> <authorization header value>
//   prints "listening on http://127.0.0.1:<port>"; serves /mcp/<name> → <origin>/<name mapped>

import { createServer } from 'node:http'
import { Pool } from 'undici'

const [origin, authorization] = process.argv.slice(2)
if (!origin || !authorization) {
  process.stderr.write(
    'usage: node scripts/bench/floor-proxy.mjs <upstream origin> <authorization>\n',
  )
  process.exit(2)
}
const ROUTES = { '/mcp/bench': '/mcp', '/mcp/bench-sse': '/mcp-sse' }
const FORWARDED = [
  'accept',
  'content-type',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
]
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'te',
])
const pool = new Pool(origin, { connections: 64, keepAliveTimeout: 30_000, bodyTimeout: 0 })

function relay(req, res, body) {
  const headers = { authorization }
  for (const name of FORWARDED)
    if (typeof req.headers[name] === 'string') headers[name] = req.headers[name]
  const abort = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) abort.abort()
  })
  pool
    .request({ path: ROUTES[req.url], method: req.method, headers, body, signal: abort.signal })
    .then(
      (upstream) => {
        const out = {}
        for (const [name, value] of Object.entries(upstream.headers))
          if (!DROPPED.has(name)) out[name] = value
        res.writeHead(upstream.statusCode, out)
        upstream.body.on('data', (chunk) => {
          if (!res.write(chunk)) {
            upstream.body.pause()
            res.once('drain', () => upstream.body.resume())
          }
        })
        upstream.body.once('end', () => res.end())
        upstream.body.once('error', () => res.destroy())
      },
      () => {
        if (!res.headersSent) res.writeHead(502).end()
        else res.destroy()
      },
    )
}

const server = createServer((req, res) => {
  if (!ROUTES[req.url]) {
    req.resume()
    res.writeHead(404).end()
    return
  }
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.once('end', () =>
    relay(
      req,
      res,
      chunks.length === 0 ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
    ),
  )
})
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`minimal proxy listening on http://127.0.0.1:${server.address().port}\n`)
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0))
