// Carries MCP messages between stdin/stdout (for clients that only launch local commands) and
// the bridge's Streamable HTTP endpoint, message by message, so the bridge's policies and
// approvals apply to stdio clients too. Only protocol messages touch stdout.
import type { Readable, Writable } from 'node:stream'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'

export interface StdioRelayOptions {
  url: string
  headers: Record<string, string>
  stdin: Readable
  stdout: Writable
  log: (line: string) => void
}

/** Runs until stdin ends; then ends the bridge session too. */
export async function relayStdio(options: StdioRelayOptions): Promise<void> {
  const http = new StreamableHTTPClientTransport(new URL(options.url), { requestInit: { headers: options.headers } })
  const stdio = new StdioServerTransport(options.stdin, options.stdout)

  stdio.onmessage = (message) => {
    http.send(message).catch((error: Error) => {
      options.log(`The bridge did not take a message: ${error.message}`)
      const id = (message as { id?: string | number }).id
      if ('method' in message && id !== undefined) {
        void stdio.send({ jsonrpc: '2.0', id, error: { code: -32000, message: `mcp-oauth-bridge: ${error.message}` } })
      }
    })
  }
  http.onmessage = (message: JSONRPCMessage) => {
    // A bare transport does not learn the negotiated version as a Client would; later requests
    // must carry it in MCP-Protocol-Version (MCP 2025-06-18 §Protocol Version Header).
    const version = (message as { result?: { protocolVersion?: unknown; serverInfo?: unknown } }).result
    if (version && typeof version.protocolVersion === 'string' && version.serverInfo) http.setProtocolVersion(version.protocolVersion)
    void stdio.send(message)
  }
  http.onerror = (error) => options.log(`Bridge connection: ${error.message}`)

  const ended = new Promise<void>((resolve) => {
    options.stdin.once('end', resolve)
    options.stdin.once('close', resolve)
  })
  await http.start()
  await stdio.start()
  await ended
  await http.terminateSession().catch(() => undefined)
  await http.close()
  await stdio.close()
}
