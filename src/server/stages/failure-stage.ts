// The request path's failures, answered. A failure the bridge reports on a request with an id is
// a JSON-RPC error with HTTP 200 (every client shows the message to the user); anything else
// gets an HTTP error status with the same body.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BridgeError } from '../../errors.js'
import { BRIDGE_ERROR, LOGIN_REQUIRED_ERROR, errorResponse, type JsonRpcId } from '../../proxy/jsonrpc.js'
import { sendJson } from './answer-json.js'

/** Answers a failed upstream exchange; returns the status for the log (499: the client left first). */
export function sendFailure(res: ServerResponse, error: unknown, id: JsonRpcId | undefined, method: string | undefined): number {
  if (res.headersSent) {
    res.destroy()
    return 0
  }
  const isBridgeError = error instanceof BridgeError
  if ((error as Error).name === 'AbortError') return 499
  const message = isBridgeError ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : `Bridge error: ${(error as Error).message}`
  const code = isBridgeError && (error.code === 'LOGIN_REQUIRED' || error.code === 'INSUFFICIENT_SCOPE') ? LOGIN_REQUIRED_ERROR : BRIDGE_ERROR
  const status = id !== undefined && id !== null && method === 'POST' ? 200
    : isBridgeError && error.code === 'UPSTREAM_FAILED' ? 502
    : 503
  sendJson(res, status, errorResponse(id ?? null, code, message))
  return status
}

/** The last stop of a request that threw: nothing may crash the bridge, so it still gets an answer. */
export function createOnError(): (error: unknown, req: IncomingMessage, res: ServerResponse) => void {
  return (error, _req, res) => {
    if (!res.headersSent) sendJson(res, 500, errorResponse(null, BRIDGE_ERROR, `Internal bridge error: ${(error as Error).message}`))
    else res.destroy()
  }
}
