// Stage 1, guard: only our own loopback Host and Origin get further (see ../guard.ts for why).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { INVALID_REQUEST, errorResponse } from '../../proxy/jsonrpc.js'
import { checkHostAndOrigin } from '../guard.js'
import { sendRefused } from '../pages/dashboard.js'
import { sendJson } from './answer-json.js'

/** False when the request was refused (and answered here). */
export function guardRequest(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: Set<string>,
): boolean {
  const verdict = checkHostAndOrigin(req, allowed)
  if (verdict.ok) return true
  if (verdict.audience === 'person') sendRefused(res, verdict.reason)
  else sendJson(res, 403, errorResponse(null, INVALID_REQUEST, `Forbidden: ${verdict.reason}.`))
  return false
}
