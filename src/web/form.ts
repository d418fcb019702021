// The body of a page's form POST: small and urlencoded, read here rather than with a body-parser
// dependency. Anything else (another content type, a body over the limit) is no form at all.
import type { IncomingMessage } from 'node:http'

const MAX_FORM_BYTES = 4096

/** `maxBytes`: a form with more to carry (an expression of a few KB, percent-encoded) says so. */
export async function readForm(
  req: IncomingMessage,
  maxBytes: number = MAX_FORM_BYTES,
): Promise<URLSearchParams | undefined> {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    return undefined
  let body = ''
  for await (const chunk of req as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8')
    if (body.length > maxBytes) return undefined
  }
  return new URLSearchParams(body)
}
