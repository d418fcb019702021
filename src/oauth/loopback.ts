// The loopback redirect target (RFC 8252 §7.3): a one-shot HTTP listener on 127.0.0.1 that is
// up before the browser opens, so a fast browser never meets a closed port. It also listens on
// ::1 (same port, where the machine has IPv6), so a redirect URI spelled `localhost` works
// whichever address the browser resolves it to.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BridgeError } from '../errors.js'

export interface LoopbackListener {
  /** http://127.0.0.1:<port>/callback */
  redirectUri: string
  port: number
  /** The same callback spelled with another loopback host name. */
  redirectUriFor(host: LoopbackHost): string
  /** Resolves with the query of the next request to /callback not yet taken (a login may run twice). */
  nextCallback(): Promise<URLSearchParams>
  close(): Promise<void>
}

export const CALLBACK_PATH = '/callback'

export type LoopbackHost = '127.0.0.1' | 'localhost'

export interface LoopbackOptions {
  /**
   * A page of the bridge (http to a loopback host) that the return page links back to: the
   * dashboard, for a login started with its Re-authorize button. Without it the page says to
   * go back to the terminal.
   */
  returnTo?: string
}

export async function startLoopbackListener(
  port: number,
  options: LoopbackOptions = {},
): Promise<LoopbackListener> {
  const returnTo =
    options.returnTo && isLoopbackPage(options.returnTo) ? options.returnTo : undefined
  const arrived: URLSearchParams[] = []
  const waiting: Array<(params: URLSearchParams) => void> = []
  const deliver = (params: URLSearchParams) => {
    const waiter = waiting.shift()
    if (waiter) waiter(params)
    else arrived.push(params)
  }
  const nextCallback = () => {
    const ready = arrived.shift()
    return ready
      ? Promise.resolve(ready)
      : new Promise<URLSearchParams>((resolve) => waiting.push(resolve))
  }
  const handler = (req: IncomingMessage, res: ServerResponse) => {
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
    res.end(callbackPage(failed, returnTo))
    deliver(url.searchParams)
  }
  const server = createServer(handler)
  await listen(server, port)
  const actualPort = (server.address() as AddressInfo).port
  const ipv6 = createServer(handler)
  const ipv6Up = await listen(ipv6, actualPort, '::1').then(
    () => true,
    () => false,
  )
  return {
    redirectUri: `http://127.0.0.1:${actualPort}${CALLBACK_PATH}`,
    port: actualPort,
    redirectUriFor: (host) => `http://${host}:${actualPort}${CALLBACK_PATH}`,
    nextCallback,
    close: async () => {
      await Promise.all([closeServer(server), ipv6Up ? closeServer(ipv6) : undefined])
    },
  }
}

function listen(server: Server, port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new BridgeError('PORT_IN_USE', `The callback port ${port} on 127.0.0.1 is in use.`, {
            hint: 'Close the program holding it (another login in progress?), or pick another with --callback-port; a new port may need a new client registration.',
          }),
        )
      } else {
        reject(error)
      }
    })
    server.listen(port, host, () => resolve())
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

function callbackPage(failed: boolean, returnTo: string | undefined): string {
  const title = failed ? 'Authorization was not completed' : 'You are signed in'
  const back = returnTo
    ? `<a href="${escapeAttribute(returnTo)}">Back to the dashboard</a>`
    : undefined
  const text = failed
    ? back
      ? `The authorization server reported an error; the dashboard shows what happened. ${back}`
      : 'The authorization server reported an error. Return to the terminal to see what happened.'
    : back
      ? `mcp-oauth-bridge has what it needs. ${back}`
      : 'mcp-oauth-bridge has what it needs. You can close this tab and return to the terminal.'
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>
<body><h1>${title}</h1><p>${text}</p></body></html>`
}

/** Only the bridge's own pages: http to a loopback host, so the link cannot send anyone elsewhere. */
function isLoopbackPage(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  } catch {
    return false
  }
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
