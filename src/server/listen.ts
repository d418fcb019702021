// Starts the bridge: the HTTP listener, live configuration (config.json and tokens.json are
// re-read when another process changes them), and the logins a server may ask for mid-session.
import { createServer, type Server } from 'node:http'
import { watch, type FSWatcher } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { BridgePaths } from '../config/paths.js'
import type { BridgeConfig } from '../config/schema.js'
import { readConfig, updateConfig } from '../config/store.js'
import { BridgeError } from '../errors.js'
import type { FlowIo } from '../oauth/flow.js'
import type { AuthChallenge } from '../oauth/probe.js'
import { loginServer } from '../login/login-server.js'
import { TokenManager } from '../tokens/manager.js'
import { EncryptedFileTokenStore } from '../tokens/store.js'
import { createBridgeHandler, type RequestLogEntry } from './app.js'
import { loopbackAuthorities } from './guard.js'
import { createDashboard, type LastError } from './pages/dashboard.js'
import { PageSessions } from './pages/sessions.js'
import { sendUpstream, upstreamAgent } from '../proxy/forward.js'

export interface StartOptions {
  paths: BridgePaths
  port: number
  host: string
  flowIo: FlowIo
  /** Require the bridge access token from clients (the default; --no-auth turns it off). */
  requireAccessToken: boolean
  verbose?: boolean
  log: (entry: RequestLogEntry) => void
  onConfigError: (error: unknown) => void
  onConfigReload?: () => void
}

export interface RunningBridge {
  url: string
  port: number
  config(): BridgeConfig
  accessTokenRequired(): boolean
  /** A fresh one-time link that logs a browser in to the dashboard. */
  issueLoginLink(): string
  close(): Promise<void>
}

export async function startBridge(options: StartOptions): Promise<RunningBridge> {
  const { paths } = options
  let config = await readConfig(paths)
  const store = new EncryptedFileTokenStore(paths)
  const tokens = new TokenManager({
    store,
    lookupServer: async (name) => {
      const entry = config.servers[name]
      if (!entry) throw new BridgeError('SERVER_UNKNOWN', `No server named ${JSON.stringify(name)}.`)
      return entry
    },
  })
  // Static headers are secrets, so they live in the encrypted store; decrypt once, not per request.
  const headerCache = new Map<string, Record<string, string> | undefined>()
  const logins = new Map<string, Promise<void>>()

  const authorize = (name: string, challenge: AuthChallenge): Promise<void> => {
    const running = logins.get(name)
    if (running) return running
    const login = (async () => {
      const entry = config.servers[name]
      if (!entry) throw new BridgeError('SERVER_UNKNOWN', `No server named ${JSON.stringify(name)}.`)
      options.flowIo.progress(`${name}: the server asks for authorization; starting a login…`)
      await loginServer({ name, entry, store, io: options.flowIo, challenge })
      tokens.forget(name)
      if (entry.auth === 'none') {
        config = await updateConfig(paths, (current) => {
          const saved = current.servers[name]
          if (saved) saved.auth = 'oauth'
        })
      }
      options.flowIo.progress(`${name}: logged in.`)
    })().finally(() => logins.delete(name))
    logins.set(name, login)
    return login
  }

  let bridgeToken = options.requireAccessToken && config.auth ? await store.bridgeAccessToken() : undefined
  let authorities = loopbackAuthorities(options.port)
  const sessions = new PageSessions()
  const lastErrors = new Map<string, LastError>()

  /** A dashboard login: the browser that pressed the button is sent to the authorization URL. */
  const reauthorize = (name: string): Promise<string> =>
    new Promise<string>((resolveUrl, reject) => {
      const entry = config.servers[name]
      if (!entry) return reject(new BridgeError('SERVER_UNKNOWN', `No server named ${JSON.stringify(name)}.`))
      const io: FlowIo = {
        progress: (line) => options.flowIo.progress(`${name}: ${line}`),
        openBrowser: async (url) => resolveUrl(url),
        browser: 'open',
      }
      loginServer({ name, entry, store, io })
        .then((result) => {
          tokens.forget(name)
          lastErrors.delete(name)
          options.flowIo.progress(result.kind === 'open' ? `${name}: answers without authorization.` : `${name}: logged in again.`)
          if (result.kind === 'open') reject(new BridgeError('BAD_USAGE', `${name} answers without authorization: nothing to log in to.`))
        })
        .catch((error: Error) => {
          lastErrors.set(name, { message: error.message, at: Date.now() })
          reject(error)
        })
    })

  const server = createServer(
    createBridgeHandler({
      config: () => config,
      tokens,
      staticHeaders: async (name) => {
        if (!headerCache.has(name)) headerCache.set(name, (await store.get(name))?.headers)
        return headerCache.get(name)
      },
      authorize,
      allowedAuthorities: () => authorities,
      senderFor: () => sendUpstream,
      bridgeToken: () => bridgeToken,
      log: options.log,
      ...(options.verbose ? { verbose: true, knownSecrets: () => (bridgeToken ? [bridgeToken] : []) } : {}),
      onOutcome: (name, error) => {
        if (error) lastErrors.set(name, { message: error.message, at: Date.now() })
        else lastErrors.delete(name)
      },
      pages: createDashboard({
        config: () => config,
        store,
        sessions,
        accessRequired: () => bridgeToken !== undefined,
        lastErrors,
        reauthorize,
      }),
    }),
  )
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE'
        ? new BridgeError('PORT_IN_USE', `Port ${options.port} on ${options.host} is already in use.`, {
            hint: 'Another bridge may be running already; otherwise choose another port with --port.',
          })
        : error)
    })
    server.listen(options.port, options.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  authorities = loopbackAuthorities(port)

  const watcher = watchHome(paths, {
    config: async () => {
      try {
        config = await readConfig(paths)
        bridgeToken = options.requireAccessToken && config.auth ? await store.bridgeAccessToken() : undefined
        options.onConfigReload?.()
      } catch (error) {
        options.onConfigError(error)
      }
    },
    tokens: () => {
      tokens.forget()
      headerCache.clear()
    },
  })

  return {
    url: `http://${options.host === '::1' ? '[::1]' : options.host}:${port}`,
    port,
    config: () => config,
    accessTokenRequired: () => bridgeToken !== undefined,
    issueLoginLink: () => (bridgeToken === undefined ? `http://localhost:${port}/` : `http://localhost:${port}/?login=${sessions.issueLoginNonce()}`),
    close: () => closeBridge(server, watcher),
  }
}

function watchHome(paths: BridgePaths, on: { config: () => Promise<void>; tokens: () => void }): FSWatcher {
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
  await upstreamAgent.close().catch(() => undefined)
}
