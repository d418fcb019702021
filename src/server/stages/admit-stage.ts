// Stage 2b, admission: the static bridge token, or a token the bridge issued to this client for
// this server. A refusal is a 401 whose challenge sends OAuth-capable clients to the bridge's own
// authorization server (MCP 2025-11-25 §Protected Resource Metadata Discovery).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { INVALID_REQUEST, errorResponse } from '../../proxy/jsonrpc.js'
import { connectHint } from '../../cli/commands-named.js'
import { hasBridgeToken } from '../../web/constant-time.js'
import { sendJson } from './answer-json.js'

export interface Caller {
  clientId: string
  clientName: string
}

export interface ClientAccess {
  /** The client behind a bridge-issued token valid for `server`, or undefined. */
  identify: (req: IncomingMessage, server: string) => Promise<Caller | undefined>
  /** WWW-Authenticate for a 401 on /mcp/<server> (RFC 9728 §5.1): where to start logging in. */
  challenge: (req: IncomingMessage, server: string) => string
}

export interface AdmissionParts {
  /** The bridge access token clients must present, or undefined when access control is off (--no-auth). */
  bridgeToken: () => string | undefined
  clientAccess?: ClientAccess
}

export type Admitted = { caller: Caller | undefined } | undefined

const STATIC_TOKEN_HOLDER: Admitted = { caller: undefined }

/**
 * Who was admitted (`caller` is set for a client the bridge issued a token to), or undefined when
 * refused. The bridge's own token is checked at once; only another token waits for a lookup.
 */
export function admitClient(
  req: IncomingMessage,
  res: ServerResponse,
  server: string,
  parts: AdmissionParts,
): Admitted | Promise<Admitted> {
  const bridgeToken = parts.bridgeToken()
  if (bridgeToken === undefined || hasBridgeToken(req, bridgeToken)) return STATIC_TOKEN_HOLDER
  return identifyClient(req, res, server, parts)
}

async function identifyClient(
  req: IncomingMessage,
  res: ServerResponse,
  server: string,
  parts: AdmissionParts,
): Promise<Admitted> {
  const caller = await parts.clientAccess?.identify(req, server)
  if (caller) return { caller }
  req.resume()
  // The body tells people the other way in.
  const challenge = parts.clientAccess?.challenge(req, server)
  sendJson(
    res,
    401,
    errorResponse(
      null,
      INVALID_REQUEST,
      `This bridge needs its access token (Authorization: Bearer …), or a login of your client to the bridge. ${connectHint(server)}`,
    ),
    challenge ? { 'www-authenticate': challenge } : {},
  )
  return undefined
}
