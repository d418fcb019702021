import { describe, expect, it } from 'vitest'
import { CLIENT_CONFIGS, clientSnippet, type Connection } from './client-configs.js'

const connection: Connection = {
  name: 'demo',
  url: 'http://localhost:3000/mcp/demo',
  headers: { Authorization: 'Bearer mob_x' },
}

describe("Claude Desktop's entry", () => {
  it('launches `stdio <name>` with no env when the bridge home is the default one', () => {
    expect(CLIENT_CONFIGS['claude-desktop'].entry(connection)).toEqual({
      command: 'mcp-oauth-bridge',
      args: ['stdio', 'demo'],
    })
  })

  it('names the bridge home in env when it is not the default, in the entry and the snippet', () => {
    const elsewhere = { ...connection, home: '/srv/bridge-home' }
    const entry = {
      command: 'mcp-oauth-bridge',
      args: ['stdio', 'demo'],
      env: { MCP_OAUTH_BRIDGE_HOME: '/srv/bridge-home' },
    }
    expect(CLIENT_CONFIGS['claude-desktop'].entry(elsewhere)).toEqual(entry)
    expect(JSON.parse(clientSnippet('claude-desktop', elsewhere))).toEqual({
      mcpServers: { demo: entry },
    })
  })

  it('keeps the home out of the HTTP clients, which reach the running bridge by URL', () => {
    const elsewhere = { ...connection, home: '/srv/bridge-home' }
    expect(JSON.stringify(CLIENT_CONFIGS.cursor.entry(elsewhere))).not.toContain('bridge-home')
    expect(JSON.stringify(CLIENT_CONFIGS.vscode.entry(elsewhere))).not.toContain('bridge-home')
  })
})
