// A FetchLike fake that plays a script: the requests a test expects, in order (or in any order
// where the code under test does not promise one), each with the answer to give. A request the
// script does not expect, or one that fails its checks, is a test failure naming the request and
// what was expected; assertDone() fails when expected requests were never made. Failures are
// also kept, because the code under test may catch what fetch throws (revocation does, and the
// SDK's discovery treats some errors as "try the next URL"); assertDone() throws the first one.
import { isDeepStrictEqual } from 'node:util'
import type { FetchLike } from '../../src/oauth/http.js'

/** A request as the fake saw it, read once so checks need not await. */
export interface SeenRequest {
  method: string
  url: string
  headers: Headers
  body: string
  /** The body parsed as a form (application/x-www-form-urlencoded); empty for other bodies. */
  form: URLSearchParams
}

export interface ExpectedRequest {
  /** Defaults to GET. */
  method?: string
  /** The whole URL, compared as a string after URL parsing (so `https://a.example` is `https://a.example/`). */
  url: string
  /** Headers the request must carry with these values (names in any case). */
  headers?: Record<string, string>
  /** Form fields the body must carry with these values; `null` means the field must be absent. */
  form?: Record<string, string | null>
  /** Any other check; throw (for example with `expect`) to fail the request. */
  check?: (request: SeenRequest) => void
  /** The answer: made anew per request, since a Response body can be read once. */
  respond: (request: SeenRequest) => Response
}

export interface ScriptedFetch {
  fetchFn: FetchLike
  /** Every request made, expected or not, in order. */
  readonly seen: readonly SeenRequest[]
  /** Fails if a request was unexpected or failed its checks, or if expected requests were never made. */
  assertDone(): void
}

export class ScriptedFetchError extends Error {
  override readonly name = 'ScriptedFetchError'
}

/**
 * `order: 'ordered'` (the default): each request must be the next one in the script.
 * `order: 'any'`: each request takes the first unused entry with its method and URL.
 */
export function scriptedFetch(
  script: readonly ExpectedRequest[],
  options: { order?: 'ordered' | 'any' } = {},
): ScriptedFetch {
  const order = options.order ?? 'ordered'
  const pending = script.map((entry) => ({
    ...entry,
    method: (entry.method ?? 'GET').toUpperCase(),
    url: new URL(entry.url).href,
  }))
  const seen: SeenRequest[] = []
  const failures: ScriptedFetchError[] = []

  const fail = (message: string): never => {
    const error = new ScriptedFetchError(message)
    failures.push(error)
    throw error
  }

  const fetchFn: FetchLike = async (input, init) => {
    const request = await readRequest(input, init)
    seen.push(request)
    const name = `${request.method} ${request.url}`
    const index =
      order === 'ordered'
        ? pending[0] && pending[0].method === request.method && pending[0].url === request.url
          ? 0
          : -1
        : pending.findIndex((entry) => entry.method === request.method && entry.url === request.url)
    if (index === -1) {
      const next =
        order === 'ordered'
          ? pending[0]
            ? `${pending[0].method} ${pending[0].url}`
            : 'no more requests'
          : pending.length
            ? `one of ${pending.map((entry) => `${entry.method} ${entry.url}`).join(', ')}`
            : 'no more requests'
      return fail(`Unexpected request ${name}; the script expected ${next}.`)
    }
    const [entry] = pending.splice(index, 1)
    if (!entry) return fail(`Unexpected request ${name}.`)
    for (const [header, value] of Object.entries(entry.headers ?? {})) {
      const actual = request.headers.get(header)
      if (actual !== value)
        fail(
          `${name}: header ${header} was ${JSON.stringify(actual)}, expected ${JSON.stringify(value)}.`,
        )
    }
    for (const [field, value] of Object.entries(entry.form ?? {})) {
      const actual = request.form.get(field)
      if (!isDeepStrictEqual(actual, value))
        fail(
          `${name}: form field ${field} was ${JSON.stringify(actual)}, expected ${JSON.stringify(value)}.`,
        )
    }
    if (entry.check) {
      try {
        entry.check(request)
      } catch (error) {
        fail(`${name}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    return entry.respond(request)
  }

  return {
    fetchFn,
    seen,
    assertDone() {
      const [first] = failures
      if (first)
        throw new ScriptedFetchError(
          `${first.message}${failures.length > 1 ? ` (and ${failures.length - 1} more)` : ''}`,
        )
      if (pending.length) {
        throw new ScriptedFetchError(
          `Expected requests never made: ${pending.map((entry) => `${entry.method} ${entry.url}`).join(', ')}.`,
        )
      }
    },
  }
}

async function readRequest(
  input: string | URL,
  init: RequestInit | undefined,
): Promise<SeenRequest> {
  const request = new Request(input, init)
  const body = request.body ? await request.text() : ''
  const type = request.headers.get('content-type') ?? ''
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    body,
    form: new URLSearchParams(type.includes('application/x-www-form-urlencoded') ? body : ''),
  }
}

/** A JSON answer, as OAuth servers give (RFC 6749 §5.1, RFC 8414 §3.2). */
export function json(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): () => Response {
  return () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    })
}

/** Any other answer: a status, a text body (or none) and its headers. */
export function answer(
  status: number,
  body: string | null = null,
  headers: Record<string, string> = {},
): () => Response {
  return () => new Response(body, { status, headers })
}
