// Where MCP clients keep their server lists, and the entry each expects for a server reached
// through the bridge. Clients that do OAuth get the bare URL and log in to the bridge itself
// (each gets its own revocable token); the others, and `connect --token`, get the bridge header.
// Claude Desktop, which launches local commands, gets `mcp-oauth-bridge stdio <name>` (which
// finds the token itself, in the home the entry's env names when it is not the default).
import { homedir } from 'node:os'
import { join } from 'node:path'

export const CLIENTS = ['claude-code', 'claude-desktop', 'cursor', 'vscode', 'sdk'] as const
export type ClientName = (typeof CLIENTS)[number]

/**
 * Clients that follow MCP authorization (2025-06-18 and later): sent a 401 with
 * `resource_metadata`, they register with the bridge, open its consent page and keep their own
 * token, so their config needs no header.
 */
export const OAUTH_CLIENTS: ReadonlySet<ClientName> = new Set(['claude-code', 'vscode', 'cursor'])

export interface Connection {
  name: string
  url: string
  headers: Record<string, string>
  /**
   * The bridge home (absolute), when it is not ~/.mcp-oauth-bridge: a client that launches the
   * bridge itself does not inherit this shell's MCP_OAUTH_BRIDGE_HOME, so its entry must name it.
   */
  home?: string
}

export interface ClientConfigShape {
  /** The key under which the file lists servers. */
  listKey: 'mcpServers' | 'servers'
  entry: (connection: Connection) => Record<string, unknown>
  /** The file's usual location on this platform, or undefined where the client has none. */
  defaultPath: (env: NodeJS.ProcessEnv, platform: NodeJS.Platform) => string | undefined
}

function appData(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support')
  if (platform === 'win32') return env.APPDATA ?? join(homedir(), 'AppData', 'Roaming')
  return env.XDG_CONFIG_HOME ?? join(homedir(), '.config')
}

const httpEntry = (type: string) => (connection: Connection) => ({
  type,
  url: connection.url,
  ...(Object.keys(connection.headers).length ? { headers: connection.headers } : {}),
})

export const CLIENT_CONFIGS: Record<Exclude<ClientName, 'sdk'>, ClientConfigShape> = {
  // User scope, not a project's .mcp.json: that file is often committed, and this entry holds a token.
  'claude-code': {
    listKey: 'mcpServers',
    entry: httpEntry('http'),
    defaultPath: () => join(homedir(), '.claude.json'),
  },
  'claude-desktop': {
    listKey: 'mcpServers',
    entry: (connection) => ({
      command: 'mcp-oauth-bridge',
      args: ['stdio', connection.name],
      ...(connection.home ? { env: { MCP_OAUTH_BRIDGE_HOME: connection.home } } : {}),
    }),
    defaultPath: (env, platform) =>
      join(appData(env, platform), 'Claude', 'claude_desktop_config.json'),
  },
  cursor: {
    listKey: 'mcpServers',
    entry: (connection) => ({
      url: connection.url,
      ...(Object.keys(connection.headers).length ? { headers: connection.headers } : {}),
    }),
    defaultPath: () => join(homedir(), '.cursor', 'mcp.json'),
  },
  vscode: {
    listKey: 'servers',
    entry: httpEntry('http'),
    defaultPath: (env, platform) => join(appData(env, platform), 'Code', 'User', 'mcp.json'),
  },
}

/** What to show a person for `client`: a command to run, or the JSON entry to paste. */
export function clientSnippet(client: ClientName, connection: Connection): string {
  const header = connection.headers.Authorization
  switch (client) {
    case 'claude-code':
      return `claude mcp add --transport http ${connection.name} ${connection.url}${header ? ` --header "Authorization: ${header}"` : ''}`
    case 'sdk':
      return [
        "import { Client } from '@modelcontextprotocol/sdk/client/index.js'",
        "import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'",
        '',
        ...(header
          ? [
              '// With the bridge access token (simplest; keep it out of git):',
              `const transport = new StreamableHTTPClientTransport(new URL(${JSON.stringify(connection.url)}), {\n  requestInit: { headers: { Authorization: ${JSON.stringify(header)} } },\n})`,
              '// Or with no token in the code: log in to the bridge with an OAuthClientProvider (the',
              '// bridge shows you a consent page first), and leave the header out:',
              `// const transport = new StreamableHTTPClientTransport(new URL(${JSON.stringify(connection.url)}), { authProvider })`,
            ]
          : [
              `const transport = new StreamableHTTPClientTransport(new URL(${JSON.stringify(connection.url)}))`,
            ]),
        "const client = new Client({ name: 'my-app', version: '1.0.0' })",
        'await client.connect(transport)',
      ].join('\n')
    default: {
      const shape = CLIENT_CONFIGS[client]
      return JSON.stringify(
        { [shape.listKey]: { [connection.name]: shape.entry(connection) } },
        null,
        2,
      )
    }
  }
}
