// The answer to tools/list, passed through a filter: the bridge records each tool's definition
// (for the approvals page and for definition-bound approvals) and leaves out denied tools, in
// JSON answers and in SSE streams alike.
import type { ServerResponse } from 'node:http'
import { relayEventStream } from './answer-relay.js'
import { readText } from './forward.js'
import { clientResponseHeaders } from './upstream-headers.js'
import type { UpstreamResponse } from './upstream.js'
import { rewriteSseData } from './sse.js'
import {
  brokenAnswerText,
  isBodyTimeout,
  sendOwedErrors,
  type AnswerContext,
} from './upstream-faults.js'

/** A tool as a server lists it: the proxy needs nothing more; whoever filters knows the rest. */
type ListedTool = { name: string }

type ToolsFilter<Tool extends ListedTool> = (tools: Tool[]) => Tool[]

export async function relayToolsList<Tool extends ListedTool>(
  upstream: UpstreamResponse,
  res: ServerResponse,
  filter: ToolsFilter<Tool>,
  context: AnswerContext,
): Promise<Error | undefined> {
  const headers = clientResponseHeaders(upstream.headers)
  delete headers['content-length'] // the body may change length
  if (String(headers['content-type'] ?? '').includes('text/event-stream')) {
    res.writeHead(upstream.statusCode, headers)
    res.flushHeaders()
    return relayEventStream(
      upstream.body,
      res,
      context,
      rewriteSseData((data) => rewriteToolsList(data, filter)),
    )
  }
  let text: string
  try {
    text = await readText(upstream)
  } catch (error) {
    if (res.destroyed) return undefined
    const fault = brokenAnswerText(context, error)
    sendOwedErrors(res, context, fault, isBodyTimeout(error) ? 504 : 502, {
      server: context.server,
    })
    return new Error(fault)
  }
  const body = rewriteToolsList(text, filter)
  res.writeHead(upstream.statusCode, { ...headers, 'content-length': Buffer.byteLength(body) })
  res.end(body)
  return undefined
}

/** Filters `result.tools` of a JSON-RPC response; anything else comes back unchanged. */
export function rewriteToolsList<Tool extends ListedTool>(
  text: string,
  filter: ToolsFilter<Tool>,
): string {
  let message: { result?: { tools?: unknown } }
  try {
    message = JSON.parse(text) as typeof message
  } catch {
    return text
  }
  const tools = message?.result?.tools
  if (!Array.isArray(tools)) return text
  const kept = filter(tools as Tool[])
  if (kept.length === tools.length) return text
  return JSON.stringify({ ...message, result: { ...message.result, tools: kept } })
}
