// POST /token (OAuth 2.1 §3.2): the authorization code grant with PKCE S256, and refresh with
// rotation. Clients are public (token_endpoint_auth_method "none"), so the client_id comes in
// the body (or in a Basic header from clients that send one anyway, RFC 6749 §2.3.1).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthorizationContext } from './context.js'
import { verifierMatches } from './credentials.js'
import { reaches, type IssuedTokens } from './grants.js'
import { serverOfResource } from './metadata.js'
import { readSmallBody, sendOAuthError, sendOAuthJson } from './oauth-json.js'
import { command } from '../cli/commands-named.js'

const MAX_BODY = 8 * 1024

export async function handleToken(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AuthorizationContext,
): Promise<void> {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    req.resume()
    return sendOAuthError(
      res,
      400,
      'invalid_request',
      'Send the token request form-encoded (application/x-www-form-urlencoded).',
    )
  }
  const text = await readSmallBody(req, MAX_BODY)
  if (text === undefined)
    return sendOAuthError(res, 400, 'invalid_request', 'The token request is too large.')
  const form = new URLSearchParams(text)
  const clientId = form.get('client_id') ?? basicClientId(req.headers.authorization)
  if (!clientId)
    return sendOAuthError(res, 401, 'invalid_client', 'The token request names no client_id.')
  const resource = form.get('resource')
  const server = resource === null ? undefined : serverOfResource(resource, ctx.authorities())
  if (resource !== null && server === undefined)
    return sendOAuthError(res, 400, 'invalid_target', `${resource} is not a server of this bridge.`)
  switch (form.get('grant_type')) {
    case 'authorization_code':
      return exchangeCode(res, form, clientId, server, ctx)
    case 'refresh_token': {
      const outcome = await ctx.grants.refresh(form.get('refresh_token') ?? '', clientId, server)
      if (outcome.kind === 'ok') return sendTokens(res, outcome.tokens)
      const why = {
        reused:
          'The refresh token was already used once; as a precaution every token of this grant is now revoked. Log in again.',
        unknown: `The refresh token is unknown or was revoked (on the dashboard or with \`${command('clients revoke')}\`). Log in again.`,
        expired: 'The refresh token lapsed after 30 days without use. Log in again.',
        'wrong-client': 'The refresh token belongs to another client.',
        'wrong-resource':
          'The refresh token does not reach that server; the grant was made for another one.',
      }[outcome.kind]
      return sendOAuthError(
        res,
        400,
        outcome.kind === 'wrong-resource' ? 'invalid_target' : 'invalid_grant',
        why,
      )
    }
    default:
      return sendOAuthError(
        res,
        400,
        'unsupported_grant_type',
        'This bridge issues tokens for grant_type authorization_code and refresh_token only.',
      )
  }
}

async function exchangeCode(
  res: ServerResponse,
  form: URLSearchParams,
  clientId: string,
  server: string | undefined,
  ctx: AuthorizationContext,
): Promise<void> {
  const issued = ctx.pending.code(form.get('code') ?? '')
  if (!issued)
    return sendOAuthError(
      res,
      400,
      'invalid_grant',
      'The authorization code is unknown or has expired; start the login again.',
    )
  if (issued.grantId !== undefined) {
    // RFC 6749 §4.1.2: a code used twice may have been stolen; what it gave is revoked.
    const grantId = issued.grantId
    await ctx.grants.revoke((grant) => grant.id === grantId)
    return sendOAuthError(
      res,
      400,
      'invalid_grant',
      'The authorization code was already used; the tokens issued for it are now revoked.',
    )
  }
  const { pending } = issued
  if (pending.client.clientId !== clientId)
    return sendOAuthError(
      res,
      400,
      'invalid_grant',
      'The authorization code was issued to another client.',
    )
  if (issued.expiresAt <= Date.now())
    return sendOAuthError(
      res,
      400,
      'invalid_grant',
      'The authorization code has expired; start the login again.',
    )
  const redirectUri = form.get('redirect_uri')
  if (redirectUri !== null && redirectUri !== pending.redirectUri)
    return sendOAuthError(
      res,
      400,
      'invalid_grant',
      'redirect_uri differs from the one in the authorization request.',
    )
  if (!verifierMatches(form.get('code_verifier') ?? '', pending.codeChallenge))
    return sendOAuthError(
      res,
      400,
      'invalid_grant',
      'The code_verifier does not match the code_challenge (PKCE S256).',
    )
  issued.grantId = ''
  const tokens = await ctx.grants.open(pending.client, issued.resource)
  issued.grantId = tokens.grant.id
  // RFC 8707 §2.2: a token request may narrow the audience, never widen it past what was allowed.
  if (server !== undefined && !reaches(tokens.grant, server)) {
    await ctx.grants.revoke((grant) => grant.id === tokens.grant.id)
    return sendOAuthError(
      res,
      400,
      'invalid_target',
      `The consent covered ${issued.resource}, not ${server}.`,
    )
  }
  sendTokens(res, tokens)
}

function sendTokens(res: ServerResponse, tokens: IssuedTokens): void {
  sendOAuthJson(res, 200, {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
  })
}

function basicClientId(header: string | undefined): string | undefined {
  if (!header || !/^basic /i.test(header)) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const id = decoded.split(':')[0]
  return id ? decodeURIComponent(id.replace(/\+/g, ' ')) : undefined
}
