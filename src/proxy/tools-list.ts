// The answer to tools/list, passed through a filter: the bridge records each tool's definition
// (for the approvals page and for definition-bound approvals) and leaves out denied tools, in
// JSON answers and in SSE streams alike.
import type { ServerResponse } from 'node:http'
import { pipeline } from 'node:stream/promises'
import type { ToolDefinition } from '../approvals/tool-catalog.js'
import { clientResponseHeaders, readText, type UpstreamResponse } from './forward.js'
import { rewriteSseData } from './sse.js'

type ToolsFilter = (tools: ToolDefinition[]) => ToolDefinition[]

export async function relayToolsList(upstream: UpstreamResponse, res: ServerResponse, filter: ToolsFilter): Promise<void> {
  const headers = clientResponseHeaders(upstream.headers)
  delete headers['content-length'] // the body may change length
  if (String(headers['content-type'] ?? '').includes('text/event-stream')) {
    res.writeHead(upstream.statusCode, headers)
    res.flushHeaders()
    await pipeline(upstream.body, rewriteSseData((data) => rewriteToolsList(data, filter)), res).catch(() => res.destroy())
    return
  }
  const body = rewriteToolsList(await readText(upstream), filter)
  res.writeHead(upstream.statusCode, { ...headers, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Filters `result.tools` of a JSON-RPC response; anything else comes back unchanged. */
export function rewriteToolsList(text: string, filter: ToolsFilter): string {
  let message: { result?: { tools?: unknown } }
  try {
    message = JSON.parse(text) as typeof message
  } catch {
    return text
  }
  const tools = message?.result?.tools
  if (!Array.isArray(tools)) return text
  const kept = filter(tools as ToolDefinition[])
  if (kept.length === tools.length) return text
  return JSON.stringify({ ...message, result: { ...message.result, tools: kept } })
}
