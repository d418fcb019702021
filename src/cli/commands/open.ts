// `open [--no-browser]`: a fresh one-time login link for the running bridge, opened in the
// browser (it signs that browser in and lands on the dashboard). For when the link `start`
// printed was spent, or opened in another browser, without restarting the bridge.
import { readConfig } from '../../config/store.js'
import { createBrowserOpener } from '../../oauth/browser.js'
import { requestLoginLink } from '../bridge-api.js'
import { bridgeHeaders, locateBridge } from '../bridge-client.js'
import type { CliContext } from '../context.js'

export interface OpenOptions {
  /** False with --no-browser: print the link only. */
  browser: boolean
  port?: number
}

export async function openCommand(ctx: CliContext, options: OpenOptions): Promise<void> {
  const config = await readConfig(ctx.paths)
  const location = await locateBridge(ctx.paths, {
    config,
    ...(options.port !== undefined ? { port: options.port } : {}),
  })
  const link = await requestLoginLink(location, await bridgeHeaders(ctx.paths, config))
  ctx.out.result(link)
  if (!options.browser) {
    ctx.out.progress('A one-time link: open it in the browser you want signed in to the dashboard.')
    return
  }
  try {
    await createBrowserOpener(ctx.env)(link)
    ctx.out.progress('Opened the dashboard in the browser.')
  } catch (error) {
    ctx.out.warn(
      `Could not open a browser (${(error as Error).message}); open the link above yourself.`,
    )
  }
}
