// `connect <name> [client] [--json]`: how an MCP client reaches <name> through the bridge,
// with the exact header, so nobody copies a token by hand.
import { getServer, readConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import { EncryptedFileTokenStore } from '../../tokens/store.js'
import type { CliContext } from '../context.js'

export const CLIENTS = ['claude-code', 'sdk'] as const
type ClientName = (typeof CLIENTS)[number]

export interface ConnectionInfo {
  url: string
  headers: Record<string, string>
}

export async function connectionInfo(ctx: CliContext, name: string, port?: number): Promise<ConnectionInfo> {
  const config = await readConfig(ctx.paths)
  getServer(config, name)
  const url = `http://localhost:${port ?? config.port}/mcp/${name}`
  if (!config.auth) return { url, headers: {} }
  const token = await new EncryptedFileTokenStore(ctx.paths).bridgeAccessToken()
  return { url, headers: { Authorization: `Bearer ${token}` } }
}

export async function connectCommand(ctx: CliContext, name: string, client: string | undefined, options: { json?: boolean; port?: string }): Promise<void> {
  if (client !== undefined && !(CLIENTS as readonly string[]).includes(client)) {
    throw new BridgeError('BAD_USAGE', `Unknown client ${quote(client)}.`, { hint: `Known clients: ${CLIENTS.join(', ')}.` })
  }
  const info = await connectionInfo(ctx, name, options.port === undefined ? undefined : Number(options.port))
  if (options.json) {
    ctx.out.result(JSON.stringify(info))
    return
  }
  ctx.out.result(snippet(name, info, (client as ClientName | undefined) ?? 'claude-code'))
}

function snippet(name: string, info: ConnectionInfo, client: ClientName): string {
  const header = info.headers.Authorization
  if (client === 'sdk') {
    return [
      "import { Client } from '@modelcontextprotocol/sdk/client/index.js'",
      "import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'",
      '',
      `const transport = new StreamableHTTPClientTransport(new URL(${JSON.stringify(info.url)})${header ? `, {\n  requestInit: { headers: { Authorization: ${JSON.stringify(header)} } },\n}` : ''})`,
      "const client = new Client({ name: 'my-app', version: '1.0.0' })",
      'await client.connect(transport)',
    ].join('\n')
  }
  return `claude mcp add --transport http ${name} ${info.url}${header ? ` --header "Authorization: ${header}"` : ''}`
}
