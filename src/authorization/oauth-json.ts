// The JSON side of the authorization server: token and registration endpoints read small
// bodies and answer OAuth JSON, never cached (RFC 6749 §5.1).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readAll } from '../web/read-all.js'

export function sendOAuthJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  extra: Record<string, string> = {},
): void {
  const text = JSON.stringify(value)
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      pragma: 'no-cache',
      'content-length': Buffer.byteLength(text),
      ...extra,
    })
    .end(text)
}

export function sendOAuthError(
  res: ServerResponse,
  status: number,
  error: string,
  description: string,
): void {
  sendOAuthJson(res, status, { error, error_description: description })
}

/** The body as text, or undefined when it is larger than `limit`. */
export async function readSmallBody(
  req: IncomingMessage,
  limit: number,
): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? '0') > limit) {
    req.resume()
    return undefined
  }
  return (await readAll(req, limit))?.toString('utf8')
}
