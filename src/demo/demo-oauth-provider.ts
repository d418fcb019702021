// The demo's authorization server logic behind the SDK's mcpAuthRouter: the SDK parses requests,
// checks client authentication and verifies PKCE S256; this provider asks a person for consent,
// issues codes and tokens bound to the one MCP resource, rotates refresh tokens and revokes. It
// also verifies access tokens for the MCP endpoint's bearer check, which is SDK v2's.
import type { Response } from 'express'
import type {
  AuthorizationParams,
  OAuthServerProvider,
} from '@modelcontextprotocol/sdk/server/auth/provider.js'
import { OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server'
import {
  InvalidGrantError,
  InvalidScopeError,
  InvalidTargetError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import type {
  OAuthClientInformationFull,
  OAuthTokenRevocationRequest,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js'
import { ClientRegistry } from './client-registry.js'
import { renderConsentPage } from './consent-page.js'
import {
  CONSENT_PATH,
  CONSENT_TTL_SECONDS,
  ConsentRequests,
  consentCookieName,
} from './consent-requests.js'
import { TokenLedger, isSameResource, type IssuedTokens } from './token-ledger.js'

export interface DemoOAuthProviderOptions {
  issuer: URL
  /** The MCP endpoint: the only resource (RFC 8707) this server issues tokens for. */
  resource: URL
  resourceName: string
  /** Scope name → what it lets a client do, as shown on the consent page. */
  scopes: Record<string, string>
  now?: () => number
}

/** The consent form's answer, ready for the browser. */
export type ConsentDecision =
  | { kind: 'redirect'; location: string; requestId: string }
  | { kind: 'problem'; status: number; title: string; message: string }

export class DemoOAuthProvider implements OAuthServerProvider {
  readonly clientsStore = new ClientRegistry()
  readonly #options: DemoOAuthProviderOptions
  readonly #ledger: TokenLedger
  readonly #consents: ConsentRequests

  constructor(options: DemoOAuthProviderOptions) {
    this.#options = options
    const clock = options.now ? { now: options.now } : {}
    this.#ledger = new TokenLedger(clock)
    this.#consents = new ConsentRequests(clock)
  }

  /** Validates what the SDK left to us, then shows the consent page instead of answering at once. */
  async authorize(
    client: OAuthClientInformationFull,
    params: AuthorizationParams,
    res: Response,
  ): Promise<void> {
    const consent = this.#consents.open({
      client,
      redirectUri: params.redirectUri,
      state: params.state,
      codeChallenge: params.codeChallenge,
      scopes: this.#grantableScopes(params.scopes ?? []),
      resource: this.#checkResource(params.resource),
    })
    const page = renderConsentPage({
      clientName: client.client_name,
      clientId: client.client_id,
      redirectUri: consent.redirectUri,
      resourceName: this.#options.resourceName,
      resource: consent.resource.href,
      scopes: consent.scopes.map((name) => ({
        name,
        description: this.#options.scopes[name] ?? name,
      })),
      requestId: consent.id,
      csrfToken: consent.csrfToken,
      formAction: CONSENT_PATH,
    })
    res.cookie(consentCookieName(consent.id), consent.csrfToken, {
      httpOnly: true,
      sameSite: 'strict',
      path: CONSENT_PATH,
      maxAge: CONSENT_TTL_SECONDS * 1000,
    })
    res.status(200).set(page.headers).send(page.html)
  }

  /** Allow or Deny from the consent form: a code (or access_denied) for the client's redirect URI. */
  decideConsent(answer: {
    requestId: string
    formToken: string | undefined
    cookieToken: string | undefined
    decision: string | undefined
  }): ConsentDecision {
    const taken = this.#consents.take(answer.requestId, {
      form: answer.formToken,
      cookie: answer.cookieToken,
    })
    if (taken.kind !== 'ok') {
      return taken.kind === 'forged'
        ? {
            kind: 'problem',
            status: 403,
            title: 'This answer did not come from the consent page',
            message:
              'Its security token does not match the page this browser was shown, so it was ignored. Start the login again from the app that sent you here.',
          }
        : {
            kind: 'problem',
            status: 400,
            title: 'This consent page has expired',
            message:
              'It was already answered, or it waited too long. Start the login again from the app that sent you here.',
          }
    }
    const { consent } = taken
    const response = new URL(consent.redirectUri)
    if (answer.decision === 'allow') {
      const grant = this.#ledger.openGrant({
        clientId: consent.client.client_id,
        scopes: consent.scopes,
        resource: consent.resource,
      })
      response.searchParams.set(
        'code',
        this.#ledger.issueCode(grant, {
          codeChallenge: consent.codeChallenge,
          redirectUri: consent.redirectUri,
        }),
      )
    } else {
      response.searchParams.set('error', 'access_denied')
      response.searchParams.set(
        'error_description',
        'The person denied access on the consent page.',
      )
    }
    if (consent.state !== undefined) response.searchParams.set('state', consent.state)
    // RFC 9207: names the issuer, so a client talking to several servers can spot a mix-up.
    response.searchParams.set('iss', this.#options.issuer.href)
    return { kind: 'redirect', location: response.href, requestId: consent.id }
  }

  async challengeForAuthorizationCode(
    client: OAuthClientInformationFull,
    authorizationCode: string,
  ): Promise<string> {
    const record = this.#ledger.peekCode(authorizationCode, client.client_id)
    if (!record)
      throw new InvalidGrantError(
        'The authorization code is unknown, was already used, or belongs to another client.',
      )
    return record.codeChallenge
  }

  /** PKCE was verified by the SDK's token handler before this runs. */
  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    authorizationCode: string,
    _codeVerifier?: string,
    redirectUri?: string,
    resource?: URL,
  ): Promise<OAuthTokens> {
    const outcome = this.#ledger.redeemCode(authorizationCode, client.client_id)
    switch (outcome.kind) {
      case 'replayed':
        throw new InvalidGrantError(
          'The authorization code was already used; the tokens issued for it are now revoked.',
        )
      case 'expired':
        throw new InvalidGrantError('The authorization code has expired; start the login again.')
      case 'unknown':
      case 'wrong-client':
        throw new InvalidGrantError(
          'The authorization code is unknown or belongs to another client.',
        )
    }
    const { record } = outcome
    // OAuth 2.1 §4.1.3: when the authorization request named a redirect_uri, the token request repeats it.
    if (redirectUri !== undefined && redirectUri !== record.redirectUri) {
      throw new InvalidGrantError('redirect_uri differs from the one in the authorization request.')
    }
    this.#checkSameResource(resource, record.grant.resource)
    return tokenResponse(this.#ledger.issueTokens(record.grant))
  }

  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: string,
    scopes?: string[],
    resource?: URL,
  ): Promise<OAuthTokens> {
    const requested = scopes?.filter(Boolean)
    const outcome = this.#ledger.rotateRefreshToken(refreshToken, client.client_id, {
      ...(requested?.length ? { scopes: requested } : {}),
      ...(resource ? { resource } : {}),
    })
    switch (outcome.kind) {
      case 'replayed':
        throw new InvalidGrantError(
          'The refresh token was already used once (rotation); every token of this grant is now revoked. Log in again.',
        )
      case 'unknown':
      case 'wrong-client':
        throw new InvalidGrantError(
          'The refresh token is unknown, revoked, or belongs to another client.',
        )
      case 'widened':
        throw new InvalidScopeError(
          `The refresh asks for ${outcome.extra.join(' ')}, which was never granted.`,
        )
      case 'wrong-resource':
        throw wrongResource(resource, outcome.bound)
    }
    return tokenResponse(outcome.tokens)
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const record = this.#ledger.findAccessToken(token)
    // SDK v2's bearer check answers its own OAuthError invalid_token with 401 + WWW-Authenticate,
    // and anything else (SDK 1.x's errors included) with a 500.
    if (!record)
      throw new OAuthError(
        OAuthErrorCode.InvalidToken,
        'The access token is unknown, expired or revoked.',
      )
    return {
      token,
      clientId: record.grant.clientId,
      scopes: record.scopes,
      expiresAt: Math.floor(record.expiresAt / 1000),
      resource: record.grant.resource,
    }
  }

  async revokeToken(
    client: OAuthClientInformationFull,
    request: OAuthTokenRevocationRequest,
  ): Promise<void> {
    this.#ledger.revokeToken(request.token, client.client_id)
  }

  /**
   * RFC 6749 §3.3 lets a server grant less than asked, saying so in the token response's scope:
   * unknown scopes (say a client's habitual offline_access) are dropped rather than refused,
   * and no scope at all means every scope this server has.
   */
  #grantableScopes(requested: string[]): string[] {
    const known = Object.keys(this.#options.scopes)
    const asked = requested.filter(Boolean)
    const granted = asked.filter((scope) => known.includes(scope))
    if (asked.length > 0 && granted.length === 0) {
      throw new InvalidScopeError(
        `None of the requested scopes (${asked.join(' ')}) exist here; this server knows ${known.join(' ')}.`,
      )
    }
    return granted.length > 0 ? [...new Set(granted)] : known
  }

  /** A client that names no resource (it predates RFC 8707) still gets a token for the only one. */
  #checkResource(requested: URL | undefined): URL {
    if (requested === undefined) return this.#options.resource
    this.#checkSameResource(requested, this.#options.resource)
    return this.#options.resource
  }

  #checkSameResource(requested: URL | undefined, bound: URL): void {
    if (requested !== undefined && !isSameResource(requested, bound))
      throw wrongResource(requested, bound)
  }
}

function wrongResource(requested: URL | undefined, bound: URL): InvalidTargetError {
  return new InvalidTargetError(
    `This server issues tokens only for ${bound.href}, not ${requested?.href ?? 'another resource'}.`,
  )
}

function tokenResponse(tokens: IssuedTokens): OAuthTokens {
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresInSeconds,
    refresh_token: tokens.refreshToken,
    scope: tokens.scopes.join(' '),
  }
}
