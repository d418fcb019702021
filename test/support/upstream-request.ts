// An UpstreamRequest for tests that drive a sender or translator directly: a POST with nothing
// set but the URL, to be given what the test is about.
import type { UpstreamRequest } from '../../src/proxy/upstream.js'

export function upstreamRequest(
  url: string | URL,
  fields: Partial<UpstreamRequest> = {},
): UpstreamRequest {
  return {
    url: new URL(url),
    method: 'POST',
    clientHeaders: {},
    body: undefined,
    staticHeaders: undefined,
    token: undefined,
    signal: new AbortController().signal,
    ...fields,
  }
}
