// Starts the bridge: the HTTP listener, live configuration (config.json and tokens.json are
// re-read when another process changes them), and the logins a server may ask for mid-session.
// Only what the listening line needs loads before listen(): the request pipeline, approvals,
// authorization server and pages (wiring.ts) load right after it, and a request that comes
// first waits for them (deferred-handler.ts).
import { createServer, type Server } from 'node:http'
import { watch, type FSWatcher } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { BridgePaths } from '../config/paths.js'
import type { BridgeConfig } from '../config/schema.js'
import { readConfig } from '../config/store.js'
import { BridgeError } from '../errors.js'
import { EncryptedFileTokenStore } from '../tokens/encrypted-file-store.js'
import { connectionPair } from '../proxy/in-process-connection.js'
import type { Duplex } from 'node:stream'
import { loopbackAuthorities } from './guard.js'
import { PageSessions } from '../web/sessions.js'
import {
  announceBridge,
  newInstanceId,
  originOf,
  type RuntimeAnnouncement,
} from './runtime-file.js'
import { publicOrigin } from './public-host.js'
import { VERSION } from '../version.js'
import { deferredHandler } from './deferred-handler.js'
import type { LiveState, StartOptions } from './start-options.js'
import type { WiredBridge } from './wiring.js'

export type { StartOptions } from './start-options.js'

export interface RunningBridge {
  /** Where programs reach it: the address it listens on, e.g. http://127.0.0.1:3000. */
  url: string
  /** Where people reach it, and what every printed URL names: http://localhost:<port> (src/server/public-host.ts). */
  publicUrl: string
  port: number
  config(): BridgeConfig
  accessTokenRequired(): boolean
  /** A fresh one-time link that logs a browser in to the dashboard. */
  issueLoginLink(): string
  approvalsUrl(): string
  /** A connection to this bridge inside the process, parsed by node:http as a socket would be. */
  connectInProcess(): Duplex
  close(): Promise<void>
}

export async function startBridge(options: StartOptions): Promise<RunningBridge> {
  const { paths } = options
  const config = await readConfig(paths)
  const store = new EncryptedFileTokenStore(paths)
  const live: LiveState = {
    config,
    bridgeToken:
      options.requireAccessToken && config.auth ? await store.bridgeAccessToken() : undefined,
    authorities: loopbackAuthorities(options.port),
    pageOrigin: '',
  }
  const sessions = new PageSessions()
  const instanceId = newInstanceId()
  // Some 100 modules the listening line does not need: loaded once the port is open.
  const wiring = deferredHandler(
    () =>
      import('./wiring.js').then(({ wireBridge }) =>
        wireBridge({ options, live, store, sessions, instanceId }),
      ),
    (error, req, res) => {
      options.log({
        server: '',
        method: req.method ?? '',
        status: 500,
        ms: 0,
        note: `the bridge could not load its request handler: ${(error as Error).message}`,
      })
      // Not past the guard: the reason goes to the log and the terminal, not to the caller.
      res
        .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
        .end('The bridge failed to start; its terminal says why.\n')
    },
  )

  const server = createServer(wiring.handle)
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new BridgeError(
              'PORT_IN_USE',
              `Port ${options.port} on ${options.host} is already in use.`,
              {
                hint: 'Another bridge may be running already; otherwise choose another port with --port.',
              },
            )
          : error,
      )
    })
    server.listen(options.port, options.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  live.authorities = loopbackAuthorities(port)
  live.pageOrigin = publicOrigin(port)
  const url = originOf(options.host, port)

  // Nothing may load the wiring once close() has begun (it would outlive the bridge).
  let closed = false
  const watcher = watchHome(paths, {
    config: async () => {
      if (closed) return
      try {
        const next = await readConfig(paths)
        await (await wiring.load()).reload(next)
        live.bridgeToken =
          options.requireAccessToken && next.auth ? await store.bridgeAccessToken() : undefined
        options.onConfigReload?.()
      } catch (error) {
        options.onConfigError(error)
      }
    },
    // After the load, so caches filled while it ran are dropped too.
    tokens: () => {
      if (!closed) void wiring.load().then((wired) => wired.tokensChanged(), ignore)
    },
  })

  let announcement: RuntimeAnnouncement | undefined
  const close = async () => {
    closed = true
    // First, so no command finds a bridge that is going away.
    await announcement?.release().catch(() => undefined)
    const loaded = () => wiring.started()?.catch(() => undefined)
    const wired: WiredBridge | undefined = await loaded()
    // Before the listener: held calls are answered and the legacy sessions end their clients'
    // GET streams, which would hold server.close().
    await wired?.endSessions()
    await closeBridge(server, watcher)
    // A last request may have started the load meanwhile: what it built ends too.
    const last = wired ?? (await loaded())
    if (last !== wired) await last?.endSessions()
    await last?.close()
  }
  if (options.announce) {
    try {
      announcement = await announceBridge(paths, {
        instanceId,
        pid: process.pid,
        host: options.host,
        port,
        url,
        startedAt: new Date().toISOString(),
        version: VERSION,
      })
    } catch (error) {
      await close()
      throw new BridgeError(
        'CONFIG_INVALID',
        `The bridge could not write ${paths.runtime}: ${(error as Error).message}`,
        {
          hint: `Other commands find the running bridge through that file; check that ${paths.home} is yours and writable, then start again.`,
          cause: error,
        },
      )
    }
  }

  // After the caller's listening line (its continuation runs before any setImmediate): compiling
  // the wiring, undici and the upstream senders in the awaits above would hold that line back.
  setImmediate(() => {
    if (closed) return
    wiring.load().then(
      (wired) => wired.warm(),
      (error: Error) =>
        options.flowIo.progress(`The bridge could not load its request handler: ${error.message}`),
    )
  })

  return {
    url,
    publicUrl: live.pageOrigin,
    port,
    config: () => live.config,
    accessTokenRequired: () => live.bridgeToken !== undefined,
    issueLoginLink: () =>
      live.bridgeToken === undefined
        ? `${live.pageOrigin}/`
        : `${live.pageOrigin}/?login=${sessions.issueLoginNonce()}`,
    approvalsUrl: () => `${live.pageOrigin}/approvals`,
    connectInProcess: () => {
      const [client, serverEnd] = connectionPair()
      server.emit('connection', serverEnd)
      return client
    },
    close,
  }
}

function watchHome(
  paths: BridgePaths,
  on: { config: () => Promise<void>; tokens: () => void },
): FSWatcher {
  // Watch the folder, not the files: atomic writes replace a file, which ends a file watch.
  let pending: NodeJS.Timeout | undefined
  const watcher = watch(paths.home, { persistent: false }, (_event, file) => {
    if (file === 'tokens.json') on.tokens()
    if (file === 'config.json') {
      clearTimeout(pending)
      pending = setTimeout(() => void on.config(), 20)
    }
  })
  watcher.on('error', () => undefined)
  return watcher
}

async function closeBridge(server: Server, watcher: FSWatcher): Promise<void> {
  watcher.close()
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
    // Long-lived SSE streams would hold the close open forever.
    setTimeout(() => server.closeAllConnections(), 2_000).unref()
  })
}

function ignore(): void {}
