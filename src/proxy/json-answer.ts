// An answer the bridge makes itself in the shape every upstream transport returns (upstream.ts):
// a JSON body with its length, for senders that answer the client without the upstream.
import { Readable } from 'node:stream'
import type { UpstreamResponse } from './upstream.js'

export function jsonAnswer(
  statusCode: number,
  value: unknown,
  extra: Record<string, string> = {},
): UpstreamResponse {
  const text = Buffer.from(JSON.stringify(value))
  return {
    statusCode,
    headers: {
      'content-type': 'application/json',
      'content-length': String(text.byteLength),
      ...extra,
    },
    body: Readable.from([text]),
  }
}
