// `start`: serves every configured server at http://localhost:<port>/mcp/<name> until Ctrl-C.
import { readConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import { isLoopbackHost } from '../../oauth/safe-url.js'
import { startBridge } from '../../server/listen.js'
import { createBrowserOpener } from '../../oauth/browser.js'
import type { CliContext } from '../context.js'
import { join } from 'node:path'
import { openRequestLog } from '../../server/request-log.js'
import { addServerHint, command } from '../commands-named.js'

export interface StartCommandOptions {
  /** Already checked by the command line's port parser (0 picks a free port). */
  port?: number
  host?: string
  auth: boolean
  open?: boolean
  verbose?: boolean
}

export async function startCommand(ctx: CliContext, options: StartCommandOptions): Promise<void> {
  const config = await readConfig(ctx.paths)
  const port = options.port ?? config.port
  const host = options.host ?? config.host
  if (!isLoopbackHost(host.replace(/^\[|\]$/g, '')) && host !== '::1') {
    throw new BridgeError(
      'BAD_USAGE',
      `Refusing to listen on ${quote(host)}: this version serves loopback addresses only.`,
      {
        hint: 'Use --host 127.0.0.1 (the default). Exposing the bridge beyond this machine needs its access token, which comes in a later version.',
      },
    )
  }
  const requestLog = openRequestLog(ctx.paths.logs, (line) => ctx.out.result(line))
  const bridge = await startBridge({
    paths: ctx.paths,
    port,
    host,
    requireAccessToken: options.auth,
    announce: true,
    ...(options.verbose ? { verbose: true } : {}),
    flowIo: {
      progress: (line) => ctx.out.progress(line),
      openBrowser: createBrowserOpener(ctx.env),
      browser: 'open',
    },
    log: (entry) => requestLog.write(entry),
    onConfigError: (error) =>
      ctx.out.warn(`Ignoring the changed config.json: ${(error as Error).message}`),
    onConfigReload: () => ctx.out.progress('config.json changed: reloaded.'),
  })
  // Listening at once: the bridge is announced in the runtime file, and a Ctrl-C must take that back.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      ctx.out.progress('Stopping…')
      void bridge
        .close()
        .then(() => requestLog.close())
        .then(resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  const names = Object.keys(bridge.config().servers)
  ctx.out.result(`mcp-oauth-bridge listening on ${bridge.publicUrl}`)
  for (const name of names)
    ctx.out.result(
      `  ${name.padEnd(16)} ${bridge.publicUrl}/mcp/${name}  ->  ${bridge.config().servers[name]?.url}`,
    )
  if (names.length === 0)
    ctx.out.result(`  (no servers yet: ${addServerHint()} It is served without a restart.)`)
  const loginLink = bridge.issueLoginLink()
  ctx.out.result(
    `  dashboard        ${loginLink}${bridge.accessTokenRequired() ? '   (one-time login link)' : ''}`,
  )
  ctx.out.result(
    `  approvals        ${bridge.approvalsUrl()}   (tool calls with policy "ask" wait here)`,
  )
  if (bridge.accessTokenRequired()) {
    ctx.out.progress(
      `Clients that log in to the bridge with OAuth (Claude Code, Cursor, VS Code) need no token: \`${command('connect <name>')}\` gives their URL. Others send the bridge access token: \`${command('connect <name> --token')}\` prints the URL and header. A new login link any time: \`${command('open')}\`.`,
    )
  } else {
    ctx.out.warn(
      'Access control is off (--no-auth, or "auth": false in config.json): any program on this machine can use these servers.',
    )
  }
  ctx.out.progress(`Request log: ${join(ctx.paths.logs, 'requests.log')}. Press Ctrl-C to stop.`)
  if (options.open)
    await createBrowserOpener(ctx.env)(loginLink).catch((error: Error) =>
      ctx.out.warn(`Could not open a browser: ${error.message}`),
    )

  await stopped
}
