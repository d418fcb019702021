// Finding the running bridge from another process (`connect`, `stdio`, `approvals`, `doctor`,
// `add`): --port when given, else the bridge the runtime file names (if it still runs), else
// config.json's port; and the headers a client of that bridge sends.
import { readConfig } from '../config/store.js'
import type { BridgePaths } from '../config/paths.js'
import type { BridgeConfig } from '../config/schema.js'
import {
  findRunningBridge,
  originOf,
  probeHealth,
  type BridgeRuntime,
  type HealthProbe,
} from '../server/runtime-file.js'
import { EncryptedFileTokenStore } from '../tokens/encrypted-file-store.js'

export type BridgeProbe = HealthProbe

export type BridgeLocation =
  | { source: 'runtime'; host: string; port: number; runtime: BridgeRuntime }
  | {
      /** --port, or config.json when no running bridge is announced. */
      source: 'flag' | 'config'
      host: string
      port: number
      /** A runtime file that was there but named no running bridge, and why. */
      stale?: { runtime: BridgeRuntime | undefined; reason: string }
    }

/** Where to reach the bridge; reads the runtime file only when `port` (from --port) is not given. */
export async function locateBridge(
  paths: BridgePaths,
  options: { port?: number; config?: BridgeConfig } = {},
): Promise<BridgeLocation> {
  const config = options.config ?? (await readConfig(paths))
  if (options.port !== undefined) return { source: 'flag', host: config.host, port: options.port }
  const found = await findRunningBridge(paths)
  if (found.kind === 'running')
    return {
      source: 'runtime',
      host: found.runtime.host,
      port: found.runtime.port,
      runtime: found.runtime,
    }
  return {
    source: 'config',
    host: config.host,
    port: config.port,
    ...(found.kind === 'stale' ? { stale: { runtime: found.runtime, reason: found.reason } } : {}),
  }
}

/** The base URL to send requests to the located bridge. */
export function bridgeOrigin(location: BridgeLocation): string {
  return originOf(location.host, location.port)
}

/** How a message names the located bridge, so a person sees where the port came from. */
export function describeLocation(location: BridgeLocation): string {
  switch (location.source) {
    case 'runtime':
      return `port ${location.port} (the running bridge, pid ${location.runtime.pid})`
    case 'flag':
      return `port ${location.port} (--port)`
    case 'config':
      return `port ${location.port} (config.json; ${location.stale ? `the runtime file names no running bridge: ${location.stale.reason}` : 'no running bridge is recorded'})`
  }
}

/** Whether a bridge answers at `host`:`port` (for a port not taken from the runtime file). */
export function probeBridge(host: string, port: number): Promise<BridgeProbe> {
  return probeHealth(host, port)
}

/** The headers a client of this bridge sends: the access token, unless access control is off. */
export async function bridgeHeaders(
  paths: BridgePaths,
  config?: BridgeConfig,
): Promise<Record<string, string>> {
  if (!(config ?? (await readConfig(paths))).auth) return {}
  // Capitalised as clients' config files show it; HTTP itself does not care.
  return { Authorization: `Bearer ${await new EncryptedFileTokenStore(paths).bridgeAccessToken()}` }
}
