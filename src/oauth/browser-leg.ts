// The person's part of an authorization code login: the authorization URL opened (or printed),
// and the wait for the browser to come back to the loopback callback, or for the final address
// pasted into the terminal when the browser runs elsewhere.
import { BridgeError } from '../errors.js'
import { summarise } from './discovery.js'
import type { FlowIo } from './login-terms.js'
import type { LoopbackListener } from './loopback.js'

export async function presentAuthorizationUrl(
  io: FlowIo,
  url: URL,
  redirectUri: string,
): Promise<void> {
  if (io.browser === 'print') {
    io.progress(
      `Open this URL in a browser to authorize:\n\n  ${url.href}\n\nThen come back here. If the browser cannot reach this machine, paste the address it ends on (starting with ${new URL(redirectUri).origin}) here.`,
    )
    return
  }
  io.progress('Opening the browser to authorize…')
  try {
    await io.openBrowser(url.href)
  } catch (error) {
    io.progress(
      `Could not open a browser (${summarise(error)}). Open this URL yourself:\n\n  ${url.href}\n`,
    )
  }
  io.progress(`Waiting for the browser to come back (or visit ${url.href})`)
}

export async function waitForRedirect(
  listener: LoopbackListener,
  io: FlowIo,
  timeoutMs: number,
  redirectUri: string,
): Promise<URLSearchParams> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new BridgeError(
          'CALLBACK_TIMEOUT',
          `The browser did not come back to ${redirectUri} within ${Math.round(timeoutMs / 1000)} s.`,
          {
            hint:
              (io.browser === 'print'
                ? 'Run the command again, open the URL it prints and finish the login; when the browser runs on another machine, paste the address it ends on into this terminal (its input must stay open), or use --device.\n'
                : 'Run the command again and finish the login in the browser; on a remote machine use --no-browser and paste the final URL, or --device.\n') +
              `  If the provider's page showed an error about the redirect URI, it does not accept ${redirectUri} for this client: ` +
              'use a client registered by hand with that redirect URI (--client-id, --callback-port) or a client ID metadata document (--client-metadata-url).',
          },
        ),
      )
    }, timeoutMs)
  })
  const contenders: Array<Promise<URLSearchParams>> = [listener.nextCallback(), timeout]
  if (io.browser === 'print' && io.pastedRedirects)
    contenders.push(readPastedRedirect(io.pastedRedirects, redirectUri, io))
  try {
    return await Promise.race(contenders)
  } finally {
    clearTimeout(timer)
  }
}

async function readPastedRedirect(
  lines: AsyncIterable<string>,
  redirectUri: string,
  io: FlowIo,
): Promise<URLSearchParams> {
  for await (const line of lines) {
    const text = line.trim()
    if (!text) continue
    try {
      const url = new URL(text)
      const expected = new URL(redirectUri)
      if (url.origin === expected.origin && url.pathname === expected.pathname)
        return url.searchParams
    } catch {
      // fall through to the hint
    }
    io.progress(`That is not the redirect address; it starts with ${redirectUri}?`)
  }
  return new Promise(() => undefined)
}
