// `demo`: a local OAuth-protected MCP server to try everything on. Starts it in this process,
// logs in to it as "demo" through the same loginServer as `add` (discovery, registration, PKCE,
// the browser, the encrypted token store), then serves it through the bridge until Ctrl-C.
import { join } from 'node:path'
import { DEFAULT_HOST, type ServerEntry } from '../../config/schema.js'
import { readConfig } from '../../config/store.js'
import {
  assertDemoNameFree,
  claimDemoEntry,
  releaseDemoEntry,
  DEMO_SERVER_NAME,
  type ClaimedDemoEntry,
} from '../../demo/demo-entry.js'
import { startDemoServer } from '../../demo/demo-server.js'
import { describeNextSteps } from '../../demo/next-steps.js'
import { quote } from '../../errors.js'
import { loginServer } from '../../login/login-server.js'
import { createBrowserOpener } from '../../oauth/browser.js'
import { startBridge, type RunningBridge } from '../../server/listen.js'
import { openRequestLog, type RequestLog } from '../../server/request-log.js'
import type { TokenStore } from '../../tokens/store.js'
import type { CliContext } from '../context.js'
import { terminalFlowIo } from '../flow-io.js'
import { connectionFor } from './connect.js'
import { ensureInitialized } from './first-run.js'

export interface DemoCommandOptions {
  browser: boolean
  /** Already checked by the command line's port parser (0 picks a free port). */
  port?: number
}

export async function demoCommand(ctx: CliContext, options: DemoCommandOptions): Promise<void> {
  await ensureInitialized(ctx)
  const config = await readConfig(ctx.paths)
  assertDemoNameFree(config.servers[DEMO_SERVER_NAME])
  const bridgePort = options.port ?? config.port
  const store = ctx.store

  const demo = await startDemoServer()
  ctx.out.progress(`Demo MCP server (OAuth-protected) running at ${demo.mcpUrl.href}`)
  const requestLog = openRequestLog(ctx.paths.logs, (line) => ctx.out.result(line))
  let claimed: ClaimedDemoEntry | undefined
  let bridge: RunningBridge | undefined
  const undo = async () => {
    await bridge?.close()
    await demo.close()
    await requestLog.close()
    if (claimed && !claimed.previousUrl)
      await releaseDemoEntry({ paths: ctx.paths, store }).catch(() => undefined)
  }
  // Listening from before the bridge starts: once it is announced in the runtime file, a Ctrl-C
  // (even while the login waits for the browser) must take that back before the process goes.
  const stopSignal = listenForStopSignal()
  try {
    claimed = await claimDemoEntry({ paths: ctx.paths, store, mcpUrl: demo.mcpUrl })
    if (claimed.previousUrl) {
      ctx.out.progress(
        `${quote(DEMO_SERVER_NAME)} pointed at ${claimed.previousUrl} (an earlier demo run): updated, and logging in again.`,
      )
    }
    // The bridge starts before the login, so a busy port fails before anyone clicks through a browser.
    bridge = await startDemoBridge(ctx, { port: bridgePort, browser: options.browser, requestLog })
    const login = logInToDemo(ctx, claimed.entry, store, options.browser)
    const interrupted = await Promise.race([login.then(() => undefined), stopSignal.received])
    if (interrupted) {
      // The login cannot be called off (its loopback listener keeps waiting), so after cleaning up
      // the signal is raised again and ends the process as it would have without us.
      login.catch(() => undefined)
      ctx.out.progress('Stopping before the login finished…')
      await undo()
      stopSignal.dispose()
      process.kill(process.pid, interrupted)
      return
    }
  } catch (error) {
    stopSignal.dispose()
    await undo()
    throw error
  }

  await printBanner(ctx, bridge)
  if (!bridge.accessTokenRequired()) {
    ctx.out.warn(
      'Access control is off ("auth": false in config.json): any program on this machine can use these servers.',
    )
  }
  ctx.out.progress(
    `Request log: ${join(ctx.paths.logs, 'requests.log')}. Press Ctrl-C to stop the bridge and the demo server.`,
  )
  await stopSignal.received
  stopSignal.dispose()
  ctx.out.progress('Stopping…')
  await bridge.close()
  await demo.close()
  await requestLog.close()
  ctx.out.progress(
    `Stopped. ${quote(DEMO_SERVER_NAME)} stays in config.json but its server is gone: run \`mcp-oauth-bridge demo\` to bring it back, or \`mcp-oauth-bridge remove ${DEMO_SERVER_NAME}\`.`,
  )
}

/**
 * Like `start`, with its defaults: the access token required (unless config.json turns it off)
 * and the request log. Always on 127.0.0.1: the demo is a local tryout, and every URL it prints
 * assumes this address.
 */
function startDemoBridge(
  ctx: CliContext,
  options: { port: number; browser: boolean; requestLog: RequestLog },
): Promise<RunningBridge> {
  return startBridge({
    paths: ctx.paths,
    port: options.port,
    host: DEFAULT_HOST,
    requireAccessToken: true,
    announce: true,
    flowIo: {
      progress: (line) => ctx.out.progress(line),
      openBrowser: createBrowserOpener(ctx.env),
      browser: options.browser ? 'open' : 'print',
    },
    log: (entry) => options.requestLog.write(entry),
    onConfigError: (error) =>
      ctx.out.warn(`Ignoring the changed config.json: ${(error as Error).message}`),
    onConfigReload: () => ctx.out.progress('config.json changed: reloaded.'),
    // Seeing the decision land is half of what the demo is for.
    onDecision: (record) =>
      ctx.out.progress(
        `${record.server}: ${record.tool} ${record.decision === 'allow' ? 'allowed' : 'denied'} (${record.how}).`,
      ),
  })
}

async function logInToDemo(
  ctx: CliContext,
  entry: ServerEntry,
  store: TokenStore,
  browser: boolean,
): Promise<void> {
  const io = terminalFlowIo(ctx, { browser })
  try {
    const result = await loginServer({ name: DEMO_SERVER_NAME, entry, store, io })
    // The demo server always asks for a token; an open answer means it is broken.
    if (result.kind === 'open')
      throw new Error('The demo MCP server answered without asking for authorization.')
  } finally {
    io.close()
  }
  ctx.out.success(
    `Logged in to ${quote(DEMO_SERVER_NAME)}: its tokens are stored encrypted, like any server's.`,
  )
}

async function printBanner(ctx: CliContext, bridge: RunningBridge): Promise<void> {
  ctx.out.result(`mcp-oauth-bridge listening on ${bridge.publicUrl}`)
  // The demo entry was claimed before the bridge started, so the bridge serves this run's URL.
  for (const [name, entry] of Object.entries(bridge.config().servers)) {
    ctx.out.result(`  ${name.padEnd(16)} ${bridge.publicUrl}/mcp/${name}  ->  ${entry.url}`)
  }
  ctx.out.result(
    `  dashboard        ${bridge.issueLoginLink()}${bridge.accessTokenRequired() ? '   (one-time login link)' : ''}`,
  )
  ctx.out.result(
    `  approvals        ${bridge.approvalsUrl()}   (tool calls with policy "ask" wait here)`,
  )
  // The same URL and header `connect` gives, so nobody copies a token by hand.
  const connection = await connectionFor(ctx, DEMO_SERVER_NAME, bridge.port)
  for (const line of describeNextSteps({
    name: DEMO_SERVER_NAME,
    connection,
    approvalsUrl: bridge.approvalsUrl(),
  }))
    ctx.out.result(line)
}

/** The first SIGINT or SIGTERM from now on; dispose() stops listening (the default action returns). */
function listenForStopSignal(): { received: Promise<NodeJS.Signals>; dispose(): void } {
  let stop: (signal: NodeJS.Signals) => void = () => undefined
  const received = new Promise<NodeJS.Signals>((resolve) => {
    stop = resolve
  })
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return {
    received,
    dispose() {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    },
  }
}
