// Stage 5, forward with the token: the request goes upstream with the server's access token; a
// 401 refreshes the token or logs in again, a 403 insufficient_scope steps up, then it is sent
// once more (at most MAX_LOGINS_PER_REQUEST logins per request).
import type { IncomingHttpHeaders } from 'node:http'
import type { BridgeConfig, ServerEntry } from '../../config/schema.js'
import { command } from '../../cli/commands-named.js'
import { BridgeError } from '../../errors.js'
import type { AuthChallenge } from '../../oauth/probe.js'
import { discardBody } from '../../proxy/forward.js'
import type { GoneNotice, UpstreamResponse, UpstreamSender } from '../../proxy/upstream.js'
import type { TokenManager } from '../../tokens/manager.js'
import { upstreamUnreachable } from './upstream-unreachable.js'

/** How many times one request may send the user through a new login (401 without a token, or 403 insufficient_scope). */
const MAX_LOGINS_PER_REQUEST = 2

type StaticHeaders = Record<string, string> | undefined

export interface ForwardParts {
  config: () => BridgeConfig
  tokens: TokenManager
  /** Headers from `add --header`; a value at once when they are cached, else a promise. */
  staticHeaders: (name: string) => StaticHeaders | Promise<StaticHeaders>
  /** Runs a browser login for `name` while the client's request waits; shared by concurrent callers. */
  authorize: (name: string, challenge: AuthChallenge) => Promise<void>
  /** How to reach a server: Streamable HTTP, or the older HTTP+SSE transport. */
  senderFor: (name: string, entry: ServerEntry) => UpstreamSender
}

export interface Outgoing {
  name: string
  entry: ServerEntry
  method: string
  headers: IncomingHttpHeaders
  body: Buffer | undefined
  timeoutSeconds: number
  /** The client id of a client the bridge issued a token to (UpstreamRequest.caller). */
  caller?: string | undefined
  /** The client's going away, and (made only if a translator asks) its AbortSignal. */
  gone: GoneNotice & { readonly signal: AbortSignal }
}

export async function forwardWithToken(
  out: Outgoing,
  parts: ForwardParts,
): Promise<UpstreamResponse> {
  let entry = out.entry
  let logins = 0
  let refreshed = false
  for (;;) {
    const token = entry.auth === 'none' ? undefined : await parts.tokens.accessToken(out.name)
    const headers = parts.staticHeaders(out.name)
    const staticHeaders = headers instanceof Promise ? await headers : headers
    let upstream: UpstreamResponse
    try {
      upstream = await sendWith(out, entry, token, staticHeaders, parts)
    } catch (error) {
      throw upstreamUnreachable(out.name, entry.url, error, out.timeoutSeconds)
    }
    if (upstream.statusCode !== 401 && upstream.statusCode !== 403) return upstream
    // Loaded on first need: it brings the SDK's schemas, which the plain proxy path never uses.
    const { challengeFromHeader } = await import('../../oauth/probe.js')
    const challenge = challengeFromHeader(upstream.headers['www-authenticate'])
    const stepUp =
      upstream.statusCode === 403 &&
      challenge.error === 'insufficient_scope' &&
      entry.auth !== 'none'
    if (upstream.statusCode === 403 && !stepUp) return upstream
    await discardBody(upstream)
    // A refused token is renewed once; only a grant that cannot be renewed goes to a new login.
    if (upstream.statusCode === 401 && token && !refreshed) {
      refreshed = true
      if ((await parts.tokens.replaceRejected(out.name, token)) === 'replaced') continue
    }
    if (logins >= MAX_LOGINS_PER_REQUEST) throw stillRefused(out.name, stepUp, challenge)
    logins += 1
    await parts.authorize(out.name, challenge)
    if (!stepUp) entry = parts.config().servers[out.name] ?? entry
  }
}

function sendWith(
  out: Outgoing,
  entry: ServerEntry,
  token: string | undefined,
  staticHeaders: StaticHeaders,
  parts: ForwardParts,
): Promise<UpstreamResponse> {
  const send = parts.senderFor(out.name, entry)
  const { gone } = out
  const request = {
    url: upstreamUrl(entry),
    method: out.method,
    clientHeaders: out.headers,
    body: out.body,
    staticHeaders,
    token,
    // Only translators call it, for sends of their own long after this request came.
    freshToken: freshTokenOf(out.name, entry, parts.tokens),
    // Always set, so every request object has one shape on the hot path.
    caller: out.caller,
    // Translators and the HTTP+SSE sender listen to a signal; it is made only when one reads it.
    get signal() {
      return gone.signal
    },
    clientGone: gone,
    timeoutMs: out.timeoutSeconds * 1000,
  }
  return send(request)
}

function stillRefused(name: string, stepUp: boolean, challenge: AuthChallenge): BridgeError {
  if (!stepUp) {
    return new BridgeError(
      'LOGIN_REQUIRED',
      `${JSON.stringify(name)} still refuses the bridge's token after a fresh login.`,
      {
        hint: `Run \`${command(`login ${name}`)}\` and check that the account has access to this server.`,
      },
    )
  }
  return new BridgeError(
    'INSUFFICIENT_SCOPE',
    `${JSON.stringify(name)} needs scope ${JSON.stringify(challenge.scope ?? '')} for this request and still refuses after a new login.`,
    {
      hint: `Run \`${command(`login ${name}`)}\` and grant the requested permissions, or check that your account may use them.`,
    },
  )
}

const parsedUrls = new WeakMap<ServerEntry, URL>()

/** The entry's URL, parsed once per configuration load rather than once per request. */
function upstreamUrl(entry: ServerEntry): URL {
  let url = parsedUrls.get(entry)
  if (!url) {
    url = new URL(entry.url)
    parsedUrls.set(entry, url)
  }
  return url
}

/** Per token manager (a bridge), then per configured entry: two bridges never share one. */
const freshTokens = new WeakMap<
  TokenManager,
  WeakMap<ServerEntry, () => Promise<string | undefined>>
>()

/** How a late send gets the server's current token: one function per configured entry, not per request. */
function freshTokenOf(
  name: string,
  entry: ServerEntry,
  tokens: TokenManager,
): () => Promise<string | undefined> {
  let byEntry = freshTokens.get(tokens)
  if (!byEntry) freshTokens.set(tokens, (byEntry = new WeakMap()))
  let fresh = byEntry.get(entry)
  if (!fresh) {
    fresh = () => (entry.auth === 'none' ? Promise.resolve(undefined) : tokens.accessToken(name))
    byEntry.set(entry, fresh)
  }
  return fresh
}
