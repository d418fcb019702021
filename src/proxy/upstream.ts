// The shapes every upstream transport shares: what the bridge sends and what comes back. Kept
// apart from the senders so relays, rewrites and translators depend on the shape, not on undici.
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'

export interface UpstreamRequest {
  url: URL
  method: string
  clientHeaders: IncomingHttpHeaders
  body: Buffer | undefined
  /** Static headers from `add --header`; the bearer token, when there is one, wins over them. */
  staticHeaders: Record<string, string> | undefined
  token: string | undefined
  /**
   * The server's access token as it is now, renewed when it is about to expire: for translators
   * that send on their own, long after the request came (a round's answers, a ping answer on a
   * shared stream), when the token the request carried may have expired meanwhile.
   */
  freshToken?: () => Promise<string | undefined>
  /**
   * Who the bridge knows sent the request: the client id of a client it issued a token to, or
   * undefined for a holder of the bridge's own token. Upstream sessions and held rounds opened
   * for one caller are never handed to another.
   */
  caller?: string | undefined
  /** Aborts when the client goes away; translators and held calls listen to it. */
  signal: AbortSignal
  /**
   * The client's going away, without an AbortSignal: the plain HTTP sender aborts through the
   * dispatcher when this fires, so the hot path makes no AbortController (see client-gone.ts).
   */
  clientGone?: GoneNotice
  /**
   * upstreamTimeoutSeconds in milliseconds: the longest wait for the answer to start and, except
   * on a GET stream, the longest silence within its body; 0 means no limit.
   */
  timeoutMs?: number
}

/** Tells whoever asks when the client has gone away. */
export interface GoneNotice {
  onGone(listener: () => void): void
}

/** What any upstream transport hands back: the shape of an HTTP answer with a streaming body. */
export interface UpstreamResponse {
  statusCode: number
  headers: IncomingHttpHeaders
  body: Readable
}

/** One way of talking to an upstream server; Streamable HTTP is an `UpstreamHttp`'s `send`. */
export type UpstreamSender = (request: UpstreamRequest) => Promise<UpstreamResponse>

/** The request with the server's current token, for a send that comes long after the request did. */
export async function withFreshToken(request: UpstreamRequest): Promise<UpstreamRequest> {
  if (!request.freshToken) return request
  return { ...request, token: await request.freshToken() }
}

/** The request on a signal of its own: the client's going away no longer ends it unless that signal says so. */
export function onOwnSignal(request: UpstreamRequest, signal: AbortSignal): UpstreamRequest {
  const { clientGone: _clientGone, ...rest } = request
  return { ...rest, signal }
}
