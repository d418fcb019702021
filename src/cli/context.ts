// What every command gets: where the files are, how to talk, the token store, and the process's
// edges (environment, streams), passed in so tests can run commands in-process. The store and the
// login coordinator are built here once, so commands use the TokenStore seam and never pick its implementation.
import { resolvePaths, type BridgePaths } from '../config/paths.js'
import { LoginCoordinator } from '../login/coordinator.js'
import { EncryptedFileTokenStore } from '../tokens/encrypted-file-store.js'
import type { TokenStore } from '../tokens/store.js'
import { createOutput, type Output, type Streams } from './output.js'

export interface CliContext extends Streams {
  paths: BridgePaths
  env: NodeJS.ProcessEnv
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  out: Output
  store: TokenStore
  /** One login per server at a time, for the commands that log in. */
  logins: LoginCoordinator
}

export function createContext(
  streams: Streams & { stdin: CliContext['stdin'] },
  env: NodeJS.ProcessEnv,
): CliContext {
  const paths = resolvePaths(env)
  return {
    ...streams,
    env,
    paths,
    out: createOutput(streams, env),
    store: new EncryptedFileTokenStore(paths),
    logins: new LoginCoordinator(),
  }
}
