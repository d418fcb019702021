// The login orchestrator's order, on the fetch seam: probe, then discovery, then the grant, then
// what is saved. The fake answers only the requests scripted for it, in order, and fails on any
// other request and on any scripted request left unasked.
import { describe, expect, it } from 'vitest'
import type { ServerEntry } from '../config/schema.js'
import type { FetchLike } from '../oauth/http.js'
import type { FlowIo } from '../oauth/login-terms.js'
import type { ServerSecrets, TokenStore } from '../tokens/store.js'
import { loginServer } from './login-server.js'

const MCP = 'https://mcp.example.com/mcp'
const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
const AS = 'https://as.example.com'

interface Step {
  method: string
  url: string
  answer: () => Response
}

function scripted(steps: Step[]): { fetchFn: FetchLike; asked: string[]; assertDone(): void } {
  const asked: string[] = []
  const fetchFn: FetchLike = async (input, init) => {
    const seen = `${init?.method ?? 'GET'} ${String(input)}`
    asked.push(seen)
    const next = steps.shift()
    if (!next || `${next.method} ${next.url}` !== seen)
      throw new Error(
        `Unexpected request ${seen}; expected ${next ? `${next.method} ${next.url}` : 'none'}`,
      )
    return next.answer()
  }
  return {
    fetchFn,
    asked,
    assertDone: () =>
      expect(
        steps.map((step) => `${step.method} ${step.url}`),
        'scripted requests never made',
      ).toEqual([]),
  }
}

const json =
  (body: unknown, status = 200) =>
  () =>
    Response.json(body, { status })
const challenge = () =>
  new Response('{"error":"invalid_token"}', {
    status: 401,
    headers: { 'www-authenticate': `Bearer resource_metadata="${PRM}", scope="mcp:read"` },
  })
const resourceMetadata = json({
  resource: MCP,
  authorization_servers: [AS],
  scopes_supported: ['mcp:read'],
})
const serverMetadata = json({
  issuer: AS,
  authorization_endpoint: `${AS}/authorize`,
  token_endpoint: `${AS}/token`,
  response_types_supported: ['code'],
  grant_types_supported: ['client_credentials'],
  code_challenge_methods_supported: ['S256'],
  scopes_supported: ['mcp:read', 'offline_access'],
})
const tokens = json({ access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 })

function memoryStore(
  initial: ServerSecrets,
): TokenStore & { current(): ServerSecrets | undefined } {
  let secrets: ServerSecrets | undefined = initial
  return {
    get: async () => secrets,
    all: async (): Promise<Record<string, ServerSecrets>> => (secrets ? { demo: secrets } : {}),
    update: async (_name, change) => (secrets = change(structuredClone(secrets ?? {}))),
    exclusive: (_name, work) => work(),
    bridgeAccessToken: async () => 'mob_test',
    current: () => secrets,
  }
}

function quietIo(lines: string[]): FlowIo {
  return {
    progress: (line) => lines.push(line),
    openBrowser: async () => undefined,
    browser: 'print',
  }
}

const machine: ServerEntry = { url: MCP, auth: 'client_credentials' }
const client = {
  client: { client_id: 'ci-job', client_secret: 's3cret' },
  clientSource: 'pre-registered' as const,
}

describe('the login orchestrator', () => {
  it('probes, discovers, runs the grant, then saves: in that order, each request once', async () => {
    const fake = scripted([
      { method: 'POST', url: MCP, answer: challenge },
      { method: 'GET', url: PRM, answer: resourceMetadata },
      {
        method: 'GET',
        url: `${AS}/.well-known/oauth-authorization-server`,
        answer: serverMetadata,
      },
      { method: 'POST', url: `${AS}/token`, answer: tokens },
    ])
    const store = memoryStore(client)
    const lines: string[] = []
    const result = await loginServer({
      name: 'demo',
      entry: machine,
      store,
      io: quietIo(lines),
      fetchFn: fake.fetchFn,
    })
    fake.assertDone()
    // Client credentials ask for the challenge's scope without offline_access: they get no refresh token.
    expect(result).toEqual({ kind: 'authorized', scope: 'mcp:read' })
    expect(lines).toEqual([
      `Contacting ${MCP}…`,
      `Discovering the authorization server of ${MCP}…`,
      'Requesting a token with the client credentials grant…',
    ])
    const saved = store.current()
    expect(saved?.tokens?.access_token).toBe('at-1')
    expect(
      (saved?.discovery as { authorizationServerUrl?: string } | undefined)?.authorizationServerUrl,
    ).toBe(AS)
    // Renewals of a machine login ask for the configured scope only.
    expect(saved?.requestedScope).toBeUndefined()
  })

  it('a server that answers without authorization: nothing after the probe', async () => {
    const fake = scripted([
      {
        method: 'POST',
        url: MCP,
        answer: json({
          jsonrpc: '2.0',
          id: 0,
          result: { resultType: 'complete', supportedVersions: ['2026-07-28'] },
        }),
      },
    ])
    const result = await loginServer({
      name: 'demo',
      entry: machine,
      store: memoryStore(client),
      io: quietIo([]),
      fetchFn: fake.fetchFn,
    })
    fake.assertDone()
    expect(result).toEqual({ kind: 'open' })
  })

  it('a challenge already in hand (a step-up): no probe, and the scope is the union of what was asked before and now', async () => {
    const fake = scripted([
      { method: 'GET', url: PRM, answer: resourceMetadata },
      {
        method: 'GET',
        url: `${AS}/.well-known/oauth-authorization-server`,
        answer: serverMetadata,
      },
      { method: 'POST', url: `${AS}/token`, answer: tokens },
    ])
    const store = memoryStore({ ...client, requestedScope: 'mcp:read' })
    const result = await loginServer({
      name: 'demo',
      entry: machine,
      store,
      io: quietIo([]),
      fetchFn: fake.fetchFn,
      challenge: {
        resourceMetadataUrl: new URL(PRM),
        scope: 'mcp:write',
        error: 'insufficient_scope',
      },
    })
    fake.assertDone()
    expect(result).toEqual({ kind: 'authorized', scope: 'mcp:read mcp:write' })
  })

  it('a refused `resource` stays left out while the authorization server is the same', async () => {
    const fake = scripted([
      { method: 'GET', url: PRM, answer: resourceMetadata },
      {
        method: 'GET',
        url: `${AS}/.well-known/oauth-authorization-server`,
        answer: serverMetadata,
      },
      { method: 'POST', url: `${AS}/token`, answer: tokens },
    ])
    const store = memoryStore({
      ...client,
      discovery: { authorizationServerUrl: AS, omitResource: true } as NonNullable<
        ServerSecrets['discovery']
      >,
    })
    await loginServer({
      name: 'demo',
      entry: machine,
      store,
      io: quietIo([]),
      fetchFn: fake.fetchFn,
      challenge: { resourceMetadataUrl: new URL(PRM) },
    })
    fake.assertDone()
    expect((store.current()?.discovery as { omitResource?: boolean }).omitResource).toBe(true)
  })
})
