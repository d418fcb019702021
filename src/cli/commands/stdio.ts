// `stdio <name> [--standalone]`: an MCP server on stdin/stdout that talks to the running bridge
// (or, with --standalone, to one started in this process), for clients such as Claude Desktop
// that only launch local commands. stdout carries protocol messages only; everything else goes
// to stderr.
import { getServer, readConfig } from '../../config/store.js'
import { BridgeError } from '../../errors.js'
import { relayStdio } from '../../proxy/stdio-relay.js'
import type { RunningBridge } from '../../server/listen.js'
import {
  bridgeHeaders,
  bridgeOrigin,
  describeLocation,
  locateBridge,
  probeBridge,
} from '../bridge-client.js'
import type { CliContext } from '../context.js'

export async function stdioCommand(
  ctx: CliContext,
  name: string,
  options: { standalone?: boolean; port?: number },
): Promise<void> {
  const config = await readConfig(ctx.paths)
  getServer(config, name)
  const log = (line: string) => ctx.stderr.write(`mcp-oauth-bridge: ${line}\n`)
  let standalone: RunningBridge | undefined
  let base: string
  if (options.standalone) {
    // Loaded only here: the whole bridge (pages, approvals, authorization), its request log and
    // the browser opener would otherwise sit in the memory of every plain relay.
    const [{ startBridge }, { formatLogLine }, { createBrowserOpener }] = await Promise.all([
      import('../../server/listen.js'),
      import('../../server/request-log.js'),
      import('../../oauth/browser.js'),
    ])
    standalone = await startBridge({
      paths: ctx.paths,
      port: 0,
      host: '127.0.0.1',
      requireAccessToken: true,
      flowIo: { progress: log, openBrowser: createBrowserOpener(ctx.env), browser: 'open' },
      log: (entry) => log(formatLogLine(entry)),
      onConfigError: (error) =>
        log(`Ignoring the changed config.json: ${(error as Error).message}`),
      onDecision: (record) =>
        log(
          `${record.server}: ${record.tool} ${record.decision === 'allow' ? 'allowed' : 'denied'} (${record.how}).`,
        ),
    })
    base = standalone.url
    log(`started a bridge in this process; approvals at ${standalone.approvalsUrl()}`)
  } else {
    const location = await locateBridge(ctx.paths, {
      config,
      ...(options.port !== undefined ? { port: options.port } : {}),
    })
    // A bridge found through the runtime file has just answered /health; a port from --port or
    // config.json has not been asked yet.
    const probe =
      location.source === 'runtime' ? undefined : await probeBridge(location.host, location.port)
    if (probe && probe.kind !== 'running') {
      throw new BridgeError(
        'UPSTREAM_FAILED',
        probe.kind === 'free'
          ? `No bridge is running on ${describeLocation(location)}.`
          : `Something that is not mcp-oauth-bridge holds ${describeLocation(location)}: ${probe.detail}.`,
        {
          hint: `Start one with \`mcp-oauth-bridge start\` (approvals then work in its page), or run \`mcp-oauth-bridge stdio ${name} --standalone\`.`,
        },
      )
    }
    base = bridgeOrigin(location)
  }
  // A client that quits sends SIGTERM (or the terminal SIGINT): the session is ended at the bridge
  // as when stdin ends. A second signal exits at once, for a bridge that does not answer. The
  // handler stays until the end: with none left, signal-exit (proper-lockfile's) would take the
  // first signal for a fatal one and kill the process before the session is ended.
  const stop = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : 15))
    stop.abort()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  try {
    // The standalone bridge asks for the token like any other: one code path, no open port meanwhile.
    await relayStdio({
      url: `${base}/mcp/${name}`,
      headers: await bridgeHeaders(ctx.paths, config),
      stdin: ctx.stdin as NodeJS.ReadStream,
      stdout: ctx.stdout as NodeJS.WriteStream,
      log,
      stop: stop.signal,
      // --standalone: requests go to the bridge in this process without a TCP hop to itself.
      ...(standalone ? { connect: standalone.connectInProcess } : {}),
    })
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
    await standalone?.close()
  }
}
