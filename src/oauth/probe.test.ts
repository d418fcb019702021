// The knock `add` makes: `initialize`, as before (transport and era detection build on its
// answer). A 2026-07-28 server has no `initialize` and may refuse it without asking for a token,
// while it asks for one on its real requests; when the refusal is in modern words, one modern
// request (`server/discover`) follows and its challenge counts.
import { describe, expect, it } from 'vitest'
import { MODERN_PROTOCOL_VERSION, probeServer } from './probe.js'
import type { FetchLike } from './http.js'

const SERVER = new URL('https://mcp.example.com/mcp')
const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
const CHALLENGE = `Bearer scope="mcp:basic", resource_metadata="${PRM}"`

interface Seen { headers: Record<string, string>; body: Record<string, unknown> | undefined }

function server(answer: (method: unknown) => Response): { fetchFn: FetchLike; seen: Seen[]; methods(): unknown[] } {
  const seen: Seen[] = []
  const fetchFn: FetchLike = async (_input, init) => {
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) as Record<string, unknown> : undefined
    seen.push({ headers: { ...(init?.headers as Record<string, string>) }, body })
    return answer(body?.method)
  }
  return { fetchFn, seen, methods: () => seen.map((s) => s.body?.method) }
}

const rpcError = (status: number, code: number, message: string) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', id: 0, error: { code, message } }), { status, headers: { 'content-type': 'application/json' } })
const challenge = () => new Response('{"error":"invalid_token"}', { status: 401, headers: { 'www-authenticate': CHALLENGE } })

describe('probeServer and the 2026-07-28 revision', () => {
  it('initialize refused in modern words, server/discover challenged: unauthorized, with the modern request\'s challenge', async () => {
    for (const refusal of [() => rpcError(400, -32022, 'Unsupported protocol version'), () => rpcError(404, -32601, 'Method not found'), () => rpcError(400, -32020, 'Missing MCP-Protocol-Version header')]) {
      const fake = server((method) => (method === 'initialize' ? refusal() : challenge()))
      expect(await probeServer(SERVER, { fetchFn: fake.fetchFn })).toEqual({ kind: 'unauthorized', challenge: { scope: 'mcp:basic', resourceMetadataUrl: new URL(PRM) } })
      expect(fake.methods()).toEqual(['initialize', 'server/discover'])
      const modern = fake.seen[1]!
      expect(modern.headers['mcp-protocol-version']).toBe(MODERN_PROTOCOL_VERSION)
      expect(modern.headers['mcp-method']).toBe('server/discover')
      expect((modern.body?.params as { _meta: Record<string, unknown> })._meta).toMatchObject({
        'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'mcp-oauth-bridge' },
      })
    }
  })

  it('initialize refused in modern words, server/discover answered: an open server', async () => {
    const fake = server((method) => (method === 'initialize' ? rpcError(400, -32022, 'Unsupported protocol version') : Response.json({ jsonrpc: '2.0', id: 1, result: { resultType: 'complete' } })))
    expect(await probeServer(SERVER, { fetchFn: fake.fetchFn })).toEqual({ kind: 'open', status: 200 })
  })

  it('a refusal that is not in modern words (legacy 400, HTTP+SSE 405, no body): one request, the answer decides as before', async () => {
    for (const refusal of [() => rpcError(400, -32000, 'Bad Request: Server not initialized'), () => new Response('Method Not Allowed', { status: 405 }), () => new Response(null, { status: 400 })]) {
      const fake = server(refusal)
      expect((await probeServer(SERVER, { fetchFn: fake.fetchFn })).kind).toBe('open')
      expect(fake.methods()).toEqual(['initialize'])
    }
  })

  it('a 401 on initialize, or an answered initialize: no second knock', async () => {
    const challenged = server(challenge)
    expect((await probeServer(SERVER, { fetchFn: challenged.fetchFn })).kind).toBe('unauthorized')
    expect(challenged.methods()).toEqual(['initialize'])
    const open = server(() => Response.json({ jsonrpc: '2.0', id: 0, result: {} }))
    expect(await probeServer(SERVER, { fetchFn: open.fetchFn })).toEqual({ kind: 'open', status: 200 })
    expect(open.methods()).toEqual(['initialize'])
  })
})
