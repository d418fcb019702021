// A batch where the bridge answered some calls itself: its answers merged into the upstream's,
// written first on an SSE answer, or joined into one JSON array.
import type { ServerResponse } from 'node:http'
import { relayEventStream } from './answer-relay.js'
import { readText } from './forward.js'
import { sseEvent } from './sse.js'
import { brokenAnswerText, owedErrors, type AnswerContext } from './upstream-faults.js'
import type { UpstreamResponse } from './upstream.js'

export async function relayWithLocalAnswers(
  upstream: UpstreamResponse,
  res: ServerResponse,
  local: object[],
  context: AnswerContext,
): Promise<Error | undefined> {
  const type = String(upstream.headers['content-type'] ?? '')
  if (type.includes('text/event-stream')) {
    res.writeHead(upstream.statusCode, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
    })
    for (const answer of local) res.write(sseEvent(answer))
    return relayEventStream(upstream.body, res, context)
  }
  let text: string
  try {
    text = await readText(upstream)
  } catch (error) {
    if (res.destroyed) return undefined
    const fault = brokenAnswerText(context, error)
    writeJson(res, 200, [...local, ...owedErrors(context, fault, { server: context.server })])
    return new Error(fault)
  }
  writeJson(res, upstream.statusCode === 202 ? 200 : upstream.statusCode, [
    ...local,
    ...answersIn(text),
  ])
  return undefined
}

/** The JSON-RPC messages of a JSON answer body; none when it is empty or not JSON. */
function answersIn(text: string): unknown[] {
  try {
    const value = text ? JSON.parse(text) : []
    return Array.isArray(value) ? value : [value]
  } catch {
    return []
  }
}

function writeJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value)
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    })
    .end(text)
}
