// A 2026-07-28 request over Streamable HTTP mirrors parts of its body in headers, which the bridge
// checks before anything else (`basic/transports/streamable-http.mdx` §Request Metadata): a stdio
// client sends only the body, so the relay writes them as an HTTP transport would:
// MCP-Protocol-Version from `_meta`, Mcp-Method, Mcp-Name, and the Mcp-Param-* a tool declares
// with x-mcp-header in the tools/list answers that passed through this relay (`server/tools.mdx`).
import { paramDeclarations, routingHeaders, type ParamDeclaration } from './era/routing-headers.js'
import { PROTOCOL_VERSION_META, metaOf, type Message } from './era/wire.js'
import { idKey, isRequest, parseMessageText, parseMessagesText } from './jsonrpc.js'
import { isModernRequest } from './mcp-headers.js'

export class ModernHeaders {
  readonly #declarations = new Map<string, ParamDeclaration[]>()
  /** tools/list requests on their way, whose answers name the tools' header declarations. */
  readonly #listings = new Set<string>()

  /** The headers a 2026-07-28 line needs; undefined for any other. */
  for(line: string): Record<string, string> | undefined {
    // A 2025 message names no version in `_meta`: it passes without a parse.
    if (!line.includes(PROTOCOL_VERSION_META)) return undefined
    const message = parseMessageText(line)
    if (!message || !isModernRequest(message, {})) return undefined
    if (message.method === 'tools/list' && isRequest(message)) this.#listings.add(idKey(message.id))
    const tool =
      message.method === 'tools/call'
        ? (message.params as { name?: unknown } | undefined)?.name
        : undefined
    const declarations = typeof tool === 'string' ? (this.#declarations.get(tool) ?? []) : []
    const wire = message as Message
    return {
      'mcp-protocol-version': String(metaOf(wire)?.[PROTOCOL_VERSION_META]),
      ...routingHeaders(wire, declarations),
    }
  }

  /** Reads an answer on its way to the client when it answers a tools/list of a 2026-07-28 client. */
  learn(answer: string): void {
    if (this.#listings.size === 0) return
    for (const message of parseMessagesText(answer)) {
      if (!this.#listings.delete(idKey(message.id))) continue
      const tools = (message as { result?: { tools?: unknown } }).result?.tools
      if (!Array.isArray(tools)) continue
      for (const tool of tools as Array<{ name?: unknown; inputSchema?: unknown }>) {
        if (typeof tool?.name === 'string')
          this.#declarations.set(tool.name, paramDeclarations(tool.inputSchema))
      }
    }
  }
}
