// The loopback redirect target (RFC 8252 §7.3): a one-shot HTTP listener on 127.0.0.1 that is
// up before the browser opens, so a fast browser never meets a closed port.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BridgeError } from '../errors.js'

export interface LoopbackListener {
  redirectUri: string
  port: number
  /** Resolves with the query of the first request to /callback. */
  callback: Promise<URLSearchParams>
  close(): Promise<void>
}

export const CALLBACK_PATH = '/callback'

export async function startLoopbackListener(port: number): Promise<LoopbackListener> {
  let deliver!: (params: URLSearchParams) => void
  const callback = new Promise<URLSearchParams>((resolve) => {
    deliver = resolve
  })
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n')
      return
    }
    const failed = url.searchParams.has('error')
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    })
    res.end(callbackPage(failed))
    deliver(url.searchParams)
  })
  await listen(server, port)
  const actualPort = (server.address() as AddressInfo).port
  return {
    redirectUri: `http://127.0.0.1:${actualPort}${CALLBACK_PATH}`,
    port: actualPort,
    callback,
    close: () => closeServer(server),
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new BridgeError('PORT_IN_USE', `The callback port ${port} on 127.0.0.1 is in use.`, {
          hint: 'Close the program holding it (another login in progress?), or pick another with --callback-port; a new port may need a new client registration.',
        }))
      } else {
        reject(error)
      }
    })
    server.listen(port, '127.0.0.1', () => resolve())
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** Finds a free loopback port now, to pin as a server's callback port. */
export async function pickFreePort(): Promise<number> {
  const server = createServer()
  await listen(server, 0)
  const { port } = server.address() as AddressInfo
  await closeServer(server)
  return port
}

function callbackPage(failed: boolean): string {
  const title = failed ? 'Authorization was not completed' : 'You are signed in'
  const text = failed
    ? 'The authorization server reported an error. Return to the terminal to see what happened.'
    : 'mcp-oauth-bridge has what it needs. You can close this tab and return to the terminal.'
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>
<body><h1>${title}</h1><p>${text}</p></body></html>`
}
