// POST /register: dynamic client registration (RFC 7591), as MCP clients of both spec eras send
// it (2025-11-25 without application_type, 2026-07-28 with it). Every client is registered as a
// public one ("none"; RFC 7591 §3.2.1 lets the server decide), with its redirect URIs vetted.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ClientMetadataError, readClientMetadata } from './client-metadata.js'
import type { AuthorizationContext } from './context.js'
import { readSmallBody, sendOAuthError, sendOAuthJson } from './oauth-json.js'

const MAX_BODY = 16 * 1024

export async function handleRegister(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthorizationContext,
): Promise<void> {
  if (
    !String(req.headers['content-type'] ?? '')
      .toLowerCase()
      .startsWith('application/json')
  ) {
    req.resume()
    return sendOAuthError(
      res,
      400,
      'invalid_client_metadata',
      'Send the client metadata as JSON (RFC 7591 §3.1).',
    )
  }
  const text = await readSmallBody(req, MAX_BODY)
  if (text === undefined)
    return sendOAuthError(
      res,
      400,
      'invalid_client_metadata',
      'The registration request is too large.',
    )
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return sendOAuthError(
      res,
      400,
      'invalid_client_metadata',
      'The registration request is not JSON.',
    )
  }
  try {
    const { clientId: _unused, ...record } = readClientMetadata(body, '', 'registered')
    const client = await ctx.clients.register(record)
    sendOAuthJson(res, 201, {
      client_id: client.clientId,
      client_id_issued_at: Math.floor(client.registeredAt / 1000),
      client_name: client.clientName,
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(client.applicationType ? { application_type: client.applicationType } : {}),
      ...(client.clientUri ? { client_uri: client.clientUri } : {}),
    })
  } catch (error) {
    if (error instanceof ClientMetadataError)
      return sendOAuthError(res, 400, error.code, error.message)
    throw error
  }
}
