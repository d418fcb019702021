// The request path's failures, answered. A failure the bridge reports on a request with an id is
// a JSON-RPC error with HTTP 200 (every client shows the message to the user); anything else
// gets an HTTP error status with the same body.
import type { ServerResponse } from 'node:http'
import type { JsonRpcId } from '../../proxy/jsonrpc.js'
import { failureAnswer } from '../error-answer.js'
import { sendJson } from './answer-json.js'

/** Answers a failed upstream exchange; returns the status for the log (499: the client left first). */
export function sendFailure(
  res: ServerResponse,
  error: unknown,
  id: JsonRpcId | undefined,
  method: string | undefined,
): number {
  if (res.headersSent) {
    res.destroy()
    return 0
  }
  if ((error as Error).name === 'AbortError') return 499
  const answer = failureAnswer(error, { id, method })
  sendJson(res, answer.status, answer.body)
  return answer.status
}

/**
 * The last stop of a request that threw: the stack goes to the request log, the client gets a
 * short public message (the renderer lives in src/server/error-answer.ts with the other answers).
 */
export { createOnError } from '../error-answer.js'
