// Which arguments of each upstream tool travel in `Mcp-Param-*` headers, learnt from the
// `tools/list` answers the bridge relays. A call whose tool the bridge has not seen listed yet
// goes without them; the upstream then refuses it with -32020, and the client side is told to
// list the tools again and retry (`basic/transports/streamable-http.mdx` §Client Behavior).
import type { UpstreamResponse } from '../forward.js'
import { readMessages } from './message-stream.js'
import { paramDeclarations, type ParamDeclaration } from './routing-headers.js'
import { isRecord, type Message } from './wire.js'

/** Tools remembered per upstream; a server listing more is unusual, and the rest are relearnt. */
const MAX_TOOLS = 4096
/** Pages of tools/list read when relearning. */
const MAX_PAGES = 10

export class ToolHeaderBook {
  readonly #declarations = new Map<string, ParamDeclaration[]>()

  declarationsOf(tool: string): ParamDeclaration[] {
    return this.#declarations.get(tool) ?? []
  }

  /** Records the tools of a `tools/list` answer. */
  learn(message: Message): void {
    const tools = isRecord(message.result) ? message.result.tools : undefined
    if (!Array.isArray(tools)) return
    for (const tool of tools) {
      if (!isRecord(tool) || typeof tool.name !== 'string') continue
      if (this.#declarations.size >= MAX_TOOLS && !this.#declarations.has(tool.name)) break
      this.#declarations.set(tool.name, paramDeclarations(tool.inputSchema))
    }
  }

  /** Lists the upstream's tools again (every page, up to a limit) and records them. */
  async relearn(
    listTools: (cursor: string | undefined) => Promise<UpstreamResponse>,
  ): Promise<void> {
    let cursor: string | undefined
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const listed = await readMessages(await listTools(cursor))
      for (const message of listed) this.learn(message)
      const next = listed
        .map((message) => (isRecord(message.result) ? message.result.nextCursor : undefined))
        .find((value) => typeof value === 'string')
      if (typeof next !== 'string') return
      cursor = next
    }
  }
}

/** -32020 HeaderMismatch (`basic/index.mdx` §Error Codes). */
export function isHeaderMismatch(messages: Message[]): boolean {
  return messages.some((message) => isRecord(message.error) && message.error.code === -32020)
}
