// The answer to a tool call that waits for a person, sent over SSE from the start: progress
// notifications while it waits, then the upstream's answer (JSON turned into an event, or its
// SSE stream passed on) or the bridge's own.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { relayEventStream } from './answer-relay.js'
import { clientResponseHeaders, readText, type UpstreamResponse } from './forward.js'
import type { JsonRpcMessage } from './jsonrpc.js'
import { sseEvent } from './sse.js'
import { brokenAnswerText, owedErrors, type AnswerContext } from './upstream-faults.js'

const PROGRESS_INTERVAL_MS = 10_000

export interface HeldStream {
  stopProgress(): void
  /** Ends the stream with answers the bridge made itself (its error answers included, rendered by src/server/error-answer.ts). */
  finish(answers: object[]): void
  /** Ends the stream with the upstream's answer, after the bridge's own; returns a fault on the way, if any. */
  relay(
    upstream: UpstreamResponse,
    answers: object[],
    context: AnswerContext,
  ): Promise<Error | undefined>
}

export function progressTokenOf(message: JsonRpcMessage): string | number | undefined {
  const token = (message.params as { _meta?: { progressToken?: unknown } } | undefined)?._meta
    ?.progressToken
  return typeof token === 'string' || typeof token === 'number' ? token : undefined
}

export function acceptsEventStream(req: IncomingMessage): boolean {
  return String(req.headers.accept ?? '').includes('text/event-stream')
}

export function openHeldStream(
  res: ServerResponse,
  progressToken: string | number,
  approvalsUrl: string,
): HeldStream {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  res.flushHeaders()
  let progress = 0
  const tick = () => {
    progress += 1
    res.write(
      sseEvent({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: {
          progressToken,
          progress,
          message: `Waiting for a person to approve this call at ${approvalsUrl}`,
        },
      }),
    )
  }
  tick()
  const timer = setInterval(tick, PROGRESS_INTERVAL_MS)
  const writeAll = (answers: object[]) => {
    for (const answer of answers) res.write(sseEvent(answer))
  }
  return {
    stopProgress: () => clearInterval(timer),
    finish(answers) {
      writeAll(answers)
      res.end()
    },
    async relay(upstream, answers, context) {
      writeAll(answers)
      const type = String(clientResponseHeaders(upstream.headers)['content-type'] ?? '')
      if (type.includes('text/event-stream')) return relayEventStream(upstream.body, res, context)
      const answerOwed = (text: string) =>
        writeAll(owedErrors(context, text, { server: context.server }))
      let text: string
      try {
        text = await readText(upstream)
      } catch (error) {
        const fault = brokenAnswerText(context, error)
        answerOwed(fault)
        res.end()
        return new Error(fault)
      }
      try {
        const value: unknown = JSON.parse(text)
        writeAll(Array.isArray(value) ? (value as object[]) : [value as object])
      } catch {
        answerOwed(
          `The upstream server ${JSON.stringify(context.server)} answered HTTP ${upstream.statusCode} with something that is not JSON-RPC.`,
        )
      }
      res.end()
      return undefined
    },
  }
}
