// The terminal side of a login: progress lines, the browser (or a printed URL), and lines
// pasted on stdin for --no-browser.
import { createInterface } from 'node:readline'
import { createBrowserOpener } from '../oauth/browser.js'
import type { FlowIo } from '../oauth/login-terms.js'
import type { CliContext } from './context.js'

export function terminalFlowIo(
  ctx: CliContext,
  options: { browser: boolean },
): FlowIo & { close(): void } {
  let lines: ReturnType<typeof createInterface> | undefined
  const io: FlowIo & { close(): void } = {
    progress: (line) => ctx.out.progress(line),
    openBrowser: createBrowserOpener(ctx.env),
    browser: options.browser ? 'open' : 'print',
    close: () => lines?.close(),
  }
  if (!options.browser) {
    lines = createInterface({ input: ctx.stdin, terminal: false })
    io.pastedRedirects = lines
  }
  return io
}
