// The set-up most end-to-end tests share: servers added with the built command line, a bridge
// process started over them, and the ways a client reaches it (the access token `connect` prints,
// a 2025 SDK client over HTTP, the `stdio` relay's command).
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { expect } from 'vitest'
import {
  CLI,
  cliEnv,
  makeHome,
  runCli,
  startBridgeProcess,
  type RunningCli,
} from './cli-process.js'

export type Policy = 'allow' | 'ask' | 'deny'

/** One upstream as `add` and `policy` set it up. */
export interface ServerSetup {
  url: string
  /** `add --header`, e.g. the upstream's own `Authorization: Bearer …`. */
  header?: string
  /** `add --policy`: the server's default for tools without a rule of their own. */
  policy?: Policy
  /** `policy <server> <tool> <policy>` for each entry, in order. */
  tools?: Record<string, Policy>
}

/** Adds `server` as `name` and sets its tool policies; each command must succeed. */
export async function addServer(
  env: NodeJS.ProcessEnv,
  name: string,
  server: ServerSetup,
): Promise<void> {
  const header = server.header === undefined ? [] : ['--header', server.header]
  const policy = server.policy === undefined ? [] : ['--policy', server.policy]
  const add = await runCli(['add', name, server.url, ...header, ...policy], env)
  expect(add.code, add.stderr).toBe(0)
  for (const [tool, toolPolicy] of Object.entries(server.tools ?? {})) {
    const set = await runCli(['policy', name, tool, toolPolicy], env)
    expect(set.code, set.stderr).toBe(0)
  }
}

export interface BridgeSetup {
  home: string
  env: NodeJS.ProcessEnv
  bridge: RunningCli
  /** The port the bridge listens on, as `--port` wants it. */
  port: string
}

/**
 * A fresh home with `servers` added (in order) and a bridge process serving them. Access control
 * is off unless `auth: true`, as for startBridgeProcess.
 */
export async function startBridgeFor(
  servers: Record<string, ServerSetup>,
  options: { auth?: boolean } = {},
): Promise<BridgeSetup> {
  const home = await makeHome()
  const env = cliEnv(home)
  for (const [name, server] of Object.entries(servers)) await addServer(env, name, server)
  const bridge = await startBridgeProcess(env, [], options)
  return { home, env, bridge, port: new URL(bridge.url).port }
}

/** The `Authorization` header `connect <server> --json` gives a client of the bridge. */
export async function bridgeAuthorization(env: NodeJS.ProcessEnv, server: string): Promise<string> {
  const connect = await runCli(['connect', server, '--json'], env)
  expect(connect.code, connect.stderr).toBe(0)
  return (JSON.parse(connect.stdout) as { headers: { Authorization: string } }).headers
    .Authorization
}

/** A 2025 (SDK 1.x) client connected over HTTP to the bridge's endpoint for `server`. */
export async function connectClient(
  bridge: Pick<RunningCli, 'url'>,
  server: string,
  name: string,
  authorization?: string,
): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' })
  const requestInit = authorization ? { headers: { Authorization: authorization } } : {}
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${bridge.url}/mcp/${server}`), { requestInit }),
  )
  return client
}

/**
 * How either SDK's StdioClientTransport launches `stdio <server>` (with `--port` when given,
 * else the relay finds the running bridge itself).
 */
export function stdioCommand(
  env: NodeJS.ProcessEnv,
  server: string,
  port?: string,
): { command: string; args: string[]; env: Record<string, string>; stderr: 'pipe' } {
  return {
    command: process.execPath,
    args: [CLI, 'stdio', server, ...(port === undefined ? [] : ['--port', port])],
    env: env as Record<string, string>,
    stderr: 'pipe',
  }
}
