// Where the bridge keeps its files. MCP_OAUTH_BRIDGE_HOME replaces ~/.mcp-oauth-bridge (tests use it).
import { homedir } from 'node:os'
import { join } from 'node:path'

export interface BridgePaths {
  home: string
  config: string
  tokens: string
  key: string
  logs: string
  /** Written by a running bridge (`start`, `demo`) so other commands find its port. */
  runtime: string
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): BridgePaths {
  const home = env.MCP_OAUTH_BRIDGE_HOME || join(homedir(), '.mcp-oauth-bridge')
  return {
    home,
    config: join(home, 'config.json'),
    tokens: join(home, 'tokens.json'),
    key: join(home, 'key'),
    logs: join(home, 'logs'),
    runtime: join(home, 'runtime.json'),
  }
}
