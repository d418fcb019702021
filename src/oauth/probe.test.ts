// The knock `add` makes: `server/discover` first, as MCP 2026-07-28 tells a client that speaks
// both eras; its challenge or its result decides. A server that answered it otherwise (a 2025
// server, HTTP+SSE) is asked `initialize`, whose answer decides as before.
import { describe, expect, it } from 'vitest'
import { MODERN_PROTOCOL_VERSION, probeServer } from './probe.js'
import type { FetchLike } from './http.js'

const SERVER = new URL('https://mcp.example.com/mcp')
const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
const CHALLENGE = `Bearer scope="mcp:basic", resource_metadata="${PRM}"`

interface Seen {
  headers: Record<string, string>
  body: Record<string, unknown> | undefined
}

function server(answer: (method: unknown) => Response): {
  fetchFn: FetchLike
  seen: Seen[]
  methods(): unknown[]
} {
  const seen: Seen[] = []
  const fetchFn: FetchLike = async (_input, init) => {
    const body =
      typeof init?.body === 'string'
        ? (JSON.parse(init.body) as Record<string, unknown>)
        : undefined
    seen.push({ headers: { ...(init?.headers as Record<string, string>) }, body })
    return answer(body?.method)
  }
  return { fetchFn, seen, methods: () => seen.map((s) => s.body?.method) }
}

const rpcError = (status: number, code: number, message: string) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', id: 0, error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json' },
  })
const challenge = () =>
  new Response('{"error":"invalid_token"}', {
    status: 401,
    headers: { 'www-authenticate': CHALLENGE },
  })

describe('probeServer and the 2026-07-28 revision', () => {
  it("server/discover first, with the revision's _meta and headers; its challenge counts, no initialize follows", async () => {
    const fake = server(challenge)
    expect(await probeServer(SERVER, { fetchFn: fake.fetchFn })).toEqual({
      kind: 'unauthorized',
      challenge: { scope: 'mcp:basic', resourceMetadataUrl: new URL(PRM) },
    })
    expect(fake.methods()).toEqual(['server/discover'])
    const modern = fake.seen[0]!
    expect(modern.headers['mcp-protocol-version']).toBe(MODERN_PROTOCOL_VERSION)
    expect(modern.headers['mcp-method']).toBe('server/discover')
    expect((modern.body?.params as { _meta: Record<string, unknown> })._meta).toMatchObject({
      'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'mcp-oauth-bridge' },
    })
  })

  it('server/discover answered, as JSON or as a stream: an open server, no initialize follows', async () => {
    const result = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { resultType: 'complete' } })
    for (const answer of [
      () => new Response(result, { headers: { 'content-type': 'application/json' } }),
      () =>
        new Response(`event: message\ndata: ${result}\n\n`, {
          headers: { 'content-type': 'text/event-stream' },
        }),
    ]) {
      const fake = server(answer)
      expect(await probeServer(SERVER, { fetchFn: fake.fetchFn })).toEqual({
        kind: 'open',
        status: 200,
      })
      expect(fake.methods()).toEqual(['server/discover'])
    }
  })

  it('server/discover refused in modern words (-32020, -32021, -32022): a modern server, no initialize follows', async () => {
    for (const code of [-32020, -32021, -32022]) {
      const fake = server(() => rpcError(400, code, 'refused'))
      expect(await probeServer(SERVER, { fetchFn: fake.fetchFn })).toEqual({
        kind: 'open',
        status: 400,
      })
      expect(fake.methods()).toEqual(['server/discover'])
    }
  })

  it('server/discover refused (legacy 400, HTTP+SSE 405, no body, an unknown method): initialize follows and its answer decides', async () => {
    for (const refusal of [
      () => rpcError(400, -32000, 'Bad Request: Server not initialized'),
      () => new Response('Method Not Allowed', { status: 405 }),
      () => new Response(null, { status: 400 }),
      () => rpcError(200, -32601, 'Method not found'),
    ]) {
      const fake = server(refusal)
      expect((await probeServer(SERVER, { fetchFn: fake.fetchFn })).kind).toBe('open')
      expect(fake.methods()).toEqual(['server/discover', 'initialize'])
    }
  })

  it('a 2025 server that asks for a token only on initialize: the initialize challenge counts', async () => {
    const fake = server((method) =>
      method === 'initialize'
        ? challenge()
        : rpcError(400, -32000, 'Bad Request: Server not initialized'),
    )
    expect(await probeServer(SERVER, { fetchFn: fake.fetchFn })).toEqual({
      kind: 'unauthorized',
      challenge: { scope: 'mcp:basic', resourceMetadataUrl: new URL(PRM) },
    })
    expect(fake.methods()).toEqual(['server/discover', 'initialize'])
  })
})
