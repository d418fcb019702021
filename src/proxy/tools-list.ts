// The answer to tools/list, passed through a filter: the bridge records each tool's definition
// (for the approvals page and for definition-bound approvals) and leaves out denied tools, in
// JSON answers and in SSE streams alike.
import type { ServerResponse } from 'node:http'
import type { ToolDefinition } from '../approvals/tool-catalog.js'
import { relayEventStream } from './answer-relay.js'
import { clientResponseHeaders, readText, type UpstreamResponse } from './forward.js'
import { rewriteSseData } from './sse.js'
import { brokenAnswerText, isBodyTimeout, sendOwedErrors, type AnswerContext } from './upstream-faults.js'

type ToolsFilter = (tools: ToolDefinition[]) => ToolDefinition[]

export async function relayToolsList(upstream: UpstreamResponse, res: ServerResponse, filter: ToolsFilter, context: AnswerContext): Promise<Error | undefined> {
  const headers = clientResponseHeaders(upstream.headers)
  delete headers['content-length'] // the body may change length
  if (String(headers['content-type'] ?? '').includes('text/event-stream')) {
    res.writeHead(upstream.statusCode, headers)
    res.flushHeaders()
    return relayEventStream(upstream.body, res, context, rewriteSseData((data) => rewriteToolsList(data, filter)))
  }
  let text: string
  try {
    text = await readText(upstream)
  } catch (error) {
    if (res.destroyed) return undefined
    const fault = brokenAnswerText(context, error)
    sendOwedErrors(res, context, fault, isBodyTimeout(error) ? 504 : 502, { server: context.server })
    return new Error(fault)
  }
  const body = rewriteToolsList(text, filter)
  res.writeHead(upstream.statusCode, { ...headers, 'content-length': Buffer.byteLength(body) })
  res.end(body)
  return undefined
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
