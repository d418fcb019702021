// The knock `add` makes, as a dual-era client (MCP 2026-07-28 streamable-http.mdx §Backward
// Compatibility): a modern request first, and `initialize` only when the answer is not modern.
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

describe('probeServer asks in the modern way first', () => {
  it('a modern server that lets initialize through but challenges its real requests: unauthorized, initialize never sent', async () => {
    const fake = server((method) => (method === 'initialize' ? rpcError(400, -32601, 'Method not found') : challenge()))
    expect(await probeServer(SERVER, { fetchFn: fake.fetchFn })).toEqual({ kind: 'unauthorized', challenge: { scope: 'mcp:basic', resourceMetadataUrl: new URL(PRM) } })
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

  it('an open modern server, or one refusing in modern words (-32022, 404 with -32601): open, initialize never sent', async () => {
    for (const answer of [
      () => Response.json({ jsonrpc: '2.0', id: 0, result: { resultType: 'complete', supportedVersions: [MODERN_PROTOCOL_VERSION] } }),
      () => rpcError(400, -32022, 'Unsupported protocol version'),
      () => rpcError(404, -32601, 'Method not found'),
    ]) {
      const fake = server(answer)
      expect(await probeServer(SERVER, { fetchFn: fake.fetchFn })).toEqual({ kind: 'open', status: 200 })
      expect(fake.methods()).toEqual(['server/discover'])
    }
  })

  it('a legacy server (400 "Server not initialized"): initialize decides, as before', async () => {
    const open = server((method) => (method === 'initialize' ? Response.json({ jsonrpc: '2.0', id: 0, result: {} }) : rpcError(400, -32000, 'Bad Request: Server not initialized')))
    expect(await probeServer(SERVER, { fetchFn: open.fetchFn })).toEqual({ kind: 'open', status: 200 })
    expect(open.methods()).toEqual(['server/discover', 'initialize'])
    const sse = server(() => new Response('Method Not Allowed', { status: 405 }))
    expect(await probeServer(SERVER, { fetchFn: sse.fetchFn })).toEqual({ kind: 'open', status: 405 })
    expect(sse.methods()).toEqual(['server/discover', 'initialize'])
  })

  it('a server that challenges everything: one request is enough', async () => {
    const fake = server(challenge)
    expect((await probeServer(SERVER, { fetchFn: fake.fetchFn })).kind).toBe('unauthorized')
    expect(fake.methods()).toEqual(['server/discover'])
  })
})
