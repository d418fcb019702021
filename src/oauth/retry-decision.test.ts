// The retries of an authorization code login as a table: what was refused, where, and what the
// login does next. Each retry is taken once: a spelling already refused is not tried again.
import { describe, expect, it } from 'vitest'
import { decideRetry, type RetrySituation } from './retry-decision.js'

const IP = 'http://127.0.0.1:8765/callback'
const NAME = 'http://localhost:8765/callback'
const withResource = {
  resourceMetadata: { resource: 'https://mcp.example.com/mcp' },
} as RetrySituation['discovery']
const withoutResource = { ...withResource, omitResource: true } as RetrySituation['discovery']
const refused = (
  said: string,
  more: { error?: string; description?: string; status?: number } = {},
) => ({ kind: 'refused' as const, said, ...more })

function decide(refusal: RetrySituation['refusal'], more: Partial<RetrySituation> = {}) {
  return decideRetry({
    refusal,
    discovery: withResource,
    redirectUri: IP,
    refusedRedirects: [],
    ...more,
  })
}

describe('registration refused', () => {
  it('naming the redirect URI: the other loopback spelling, once', () => {
    expect(
      decide({ at: 'registration', said: 'invalid_redirect_uri: 127.0.0.1 not allowed' }),
    ).toEqual({ kind: 'retry with redirect', redirectUri: NAME })
    expect(
      decide(
        { at: 'registration', said: 'invalid_redirect_uri' },
        { redirectUri: NAME, refusedRedirects: [{ redirectUri: IP }] },
      ),
    ).toEqual({ kind: 'give up', why: 'registration refused' })
  })

  it('for another reason, or without an answer: given up', () => {
    expect(decide({ at: 'registration', said: 'invalid_client_metadata: scope' })).toEqual({
      kind: 'give up',
      why: 'registration refused',
    })
    expect(decide({ at: 'registration', said: undefined })).toEqual({
      kind: 'give up',
      why: 'registration refused',
    })
  })
})

describe('the authorization request of a client whose redirect URIs we cannot see', () => {
  it('accepted: the browser opens', () => {
    expect(decide({ at: 'redirect check', verdict: { kind: 'accepted' } })).toEqual({
      kind: 'go on',
    })
  })

  it('refused: the other spelling once, then given up', () => {
    const verdict = refused('HTTP 400: "redirect_uri mismatch"', { status: 400 })
    expect(decide({ at: 'redirect check', verdict })).toEqual({
      kind: 'retry with redirect',
      redirectUri: NAME,
    })
    expect(
      decide(
        { at: 'redirect check', verdict },
        { redirectUri: NAME, refusedRedirects: [{ redirectUri: IP }] },
      ),
    ).toEqual({ kind: 'give up', why: 'redirect refused' })
  })

  it('refusing `resource` (invalid_target, or invalid_request naming it): once without it, before any other spelling', () => {
    expect(
      decide({
        at: 'redirect check',
        verdict: refused('"invalid_target"', { error: 'invalid_target' }),
      }),
    ).toEqual({ kind: 'retry without resource' })
    expect(
      decide({
        at: 'redirect check',
        verdict: refused('x', {
          error: 'invalid_request',
          description: 'AADSTS901002: the resource parameter is not supported',
        }),
      }),
    ).toEqual({ kind: 'retry without resource' })
    expect(
      decide(
        { at: 'redirect check', verdict: refused('"invalid_target"', { error: 'invalid_target' }) },
        { discovery: withoutResource },
      ),
    ).toEqual({ kind: 'retry with redirect', redirectUri: NAME })
  })
})

describe('the authorization request of a stored client the server may have forgotten', () => {
  const unknownClient = refused('"invalid_client"', { error: 'invalid_client' })

  it('unknown to the server: a client the bridge registered is registered again; one given by hand stops the login', () => {
    expect(
      decide({ at: 'stored client check', verdict: unknownClient, clientSource: 'dynamic' }),
    ).toEqual({ kind: 'register again' })
    expect(
      decide({ at: 'stored client check', verdict: unknownClient, clientSource: 'pre-registered' }),
    ).toEqual({ kind: 'give up', why: 'hand-registered client refused' })
    expect(
      decide({
        at: 'stored client check',
        verdict: unknownClient,
        clientSource: 'metadata-document',
      }),
    ).toEqual({ kind: 'give up', why: 'hand-registered client refused' })
  })

  it('accepted, or refused for a passing reason (503): the browser opens with the same client', () => {
    expect(
      decide({ at: 'stored client check', verdict: { kind: 'accepted' }, clientSource: 'dynamic' }),
    ).toEqual({ kind: 'go on' })
    expect(
      decide({
        at: 'stored client check',
        verdict: refused('HTTP 503: "busy"', { status: 503 }),
        clientSource: 'dynamic',
      }),
    ).toEqual({ kind: 'go on' })
  })

  it('refusing `resource`: once without it, and the client is kept', () => {
    expect(
      decide({
        at: 'stored client check',
        verdict: refused('"invalid_target"', { error: 'invalid_target' }),
        clientSource: 'dynamic',
      }),
    ).toEqual({ kind: 'retry without resource' })
  })
})

describe('the authorization response', () => {
  it('refusing `resource` while it is still sent: once without it; any other answer is read as it is', () => {
    expect(
      decide({ at: 'authorization response', error: 'invalid_target', description: null }),
    ).toEqual({ kind: 'retry without resource' })
    expect(
      decide(
        { at: 'authorization response', error: 'invalid_target', description: null },
        { discovery: withoutResource },
      ),
    ).toEqual({ kind: 'go on' })
    expect(
      decide({ at: 'authorization response', error: 'access_denied', description: null }),
    ).toEqual({ kind: 'go on' })
    expect(decide({ at: 'authorization response', error: null, description: null })).toEqual({
      kind: 'go on',
    })
  })
})
