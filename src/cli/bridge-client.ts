// Finding the running bridge from another process (`stdio`, `approvals`, `doctor`): its address
// from config.json, and whether what answers there is really a bridge.
import { readConfig } from '../config/store.js'
import type { BridgePaths } from '../config/paths.js'
import type { BridgeConfig } from '../config/schema.js'
import { EncryptedFileTokenStore } from '../tokens/store.js'

export type BridgeProbe =
  | { kind: 'running'; version: string; pid: number }
  | { kind: 'free' }
  | { kind: 'other'; detail: string }

export async function probeBridge(port: number): Promise<BridgeProbe> {
  let response: Response
  try {
    response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3_000) })
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code
    return code === 'ECONNREFUSED' ? { kind: 'free' } : { kind: 'other', detail: code ?? (error as Error).message }
  }
  const body = (await response.json().catch(() => undefined)) as { service?: string; version?: string; pid?: number } | undefined
  if (response.ok && body?.service === 'mcp-oauth-bridge') return { kind: 'running', version: body.version ?? '?', pid: body.pid ?? 0 }
  return { kind: 'other', detail: `something else answers there (HTTP ${response.status}${response.headers.get('server') ? `, ${response.headers.get('server')}` : ''})` }
}

/** The headers a client of this bridge sends: the access token, unless access control is off. */
export async function bridgeHeaders(paths: BridgePaths, config?: BridgeConfig): Promise<Record<string, string>> {
  if (!(config ?? (await readConfig(paths))).auth) return {}
  // Capitalised as clients' config files show it; HTTP itself does not care.
  return { Authorization: `Bearer ${await new EncryptedFileTokenStore(paths).bridgeAccessToken()}` }
}
