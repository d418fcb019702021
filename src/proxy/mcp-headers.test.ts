import type { IncomingHttpHeaders } from 'node:http'
import { describe, expect, it } from 'vitest'
import { parseBody } from './jsonrpc.js'
import {
  checkMcpHeaders,
  declaredClientName,
  decodeHeaderValue,
  headerMismatchResponse,
  isModernRequest,
} from './mcp-headers.js'

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'modern-client', version: '1' },
}
const DEPLOY_SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    count: { type: 'integer', 'x-mcp-header': 'Count' },
    target: { type: 'object', properties: { zone: { type: 'string', 'x-mcp-header': 'Zone' } } },
    ratio: { type: 'number', 'x-mcp-header': 'Ratio' },
    note: { type: 'string' },
  },
}
const schemas: Record<string, unknown> = { deploy: DEPLOY_SCHEMA }
const lookup = (tool: string) => schemas[tool]

function body(value: unknown) {
  return parseBody(Buffer.from(JSON.stringify(value)))
}

function call(name: string, args: unknown, meta: object = MODERN_META) {
  return body({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name, arguments: args, _meta: meta },
  })
}

const modernCallHeaders = (extra: IncomingHttpHeaders = {}): IncomingHttpHeaders => ({
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'deploy',
  ...extra,
})

describe('mirrored MCP headers against the body', () => {
  it('passes legacy traffic without them, and a modern request whose headers agree', () => {
    expect(
      checkMcpHeaders(
        { 'mcp-protocol-version': '2025-11-25' },
        body({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'deploy', arguments: { region: 'eu' } },
        }),
        lookup,
      ),
    ).toBeUndefined()
    expect(
      checkMcpHeaders(
        modernCallHeaders({
          'mcp-param-region': 'eu',
          'mcp-param-count': '3',
          'mcp-param-zone': 'b',
        }),
        call('deploy', { region: 'eu', count: 3, target: { zone: 'b' } }),
        lookup,
      ),
    ).toBeUndefined()
  })

  it('refuses a tools/call labelled tools/list', () => {
    const refusal = checkMcpHeaders(
      modernCallHeaders({ 'mcp-method': 'tools/list' }),
      call('echo', {}),
      lookup,
    )
    expect(refusal).toMatchObject({
      header: 'Mcp-Method',
      headerValue: 'tools/list',
      bodyValue: 'tools/call',
    })
    expect(refusal?.message).toBe(
      "Header mismatch: Mcp-Method header value 'tools/list' does not match body value 'tools/call'",
    )
    expect(headerMismatchResponse(7, refusal!)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: {
        code: -32020,
        message: refusal!.message,
        data: { header: 'Mcp-Method', headerValue: 'tools/list', bodyValue: 'tools/call' },
      },
    })
  })

  it('compares Mcp-Name with params.name or params.uri, after base64 decoding', () => {
    expect(
      checkMcpHeaders(modernCallHeaders({ 'mcp-name': 'rm' }), call('echo', {}), lookup),
    ).toMatchObject({ header: 'Mcp-Name', headerValue: 'rm', bodyValue: 'echo' })
    const read = body({
      jsonrpc: '2.0',
      id: 2,
      method: 'resources/read',
      params: { uri: 'file:///é', _meta: MODERN_META },
    })
    const encoded = `=?base64?${Buffer.from('file:///é').toString('base64')}?=`
    expect(
      checkMcpHeaders(
        {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'resources/read',
          'mcp-name': encoded,
        },
        read,
        lookup,
      ),
    ).toBeUndefined()
    expect(
      checkMcpHeaders(
        {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'resources/read',
          'mcp-name': 'file:///other',
        },
        read,
        lookup,
      ),
    ).toMatchObject({ header: 'Mcp-Name', bodyValue: 'file:///é' })
    expect(
      checkMcpHeaders(
        {
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'resources/read',
          'mcp-name': '=?base64?not base64?=',
        },
        read,
        lookup,
      )?.message,
    ).toMatch(/not valid =\?base64\?…\?= encoding/)
  })

  it('compares MCP-Protocol-Version with the _meta version when both are present', () => {
    expect(
      checkMcpHeaders(
        modernCallHeaders({ 'mcp-protocol-version': '2025-11-25' }),
        call('echo', {}),
        lookup,
      ),
    ).toMatchObject({
      header: 'MCP-Protocol-Version',
      headerValue: '2025-11-25',
      bodyValue: '2026-07-28',
    })
  })

  it('refuses a modern request that lacks a required header', () => {
    expect(
      checkMcpHeaders(
        { 'mcp-protocol-version': '2026-07-28', 'mcp-name': 'echo' },
        call('echo', {}),
        lookup,
      ),
    ).toMatchObject({ header: 'Mcp-Method', headerValue: null })
    expect(
      checkMcpHeaders(
        { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' },
        call('echo', {}),
        lookup,
      ),
    ).toMatchObject({ header: 'Mcp-Name', headerValue: null, bodyValue: 'echo' })
    expect(
      checkMcpHeaders({ 'mcp-method': 'tools/call', 'mcp-name': 'echo' }, call('echo', {}), lookup),
    ).toMatchObject({ header: 'MCP-Protocol-Version', headerValue: null })
    // Notifications have no header rules in 2026-07-28: none is required.
    expect(
      checkMcpHeaders(
        { 'mcp-protocol-version': '2026-07-28' },
        body({ jsonrpc: '2.0', method: 'notifications/x', params: { _meta: MODERN_META } }),
        lookup,
      ),
    ).toBeUndefined()
  })

  it('compares Mcp-Param-* with the arguments the catalog schema declares', () => {
    const args = { region: 'eu wést', count: 3 }
    const region = `=?base64?${Buffer.from('eu wést').toString('base64')}?=`
    expect(
      checkMcpHeaders(
        modernCallHeaders({ 'mcp-param-region': region, 'mcp-param-count': '3.0' }),
        call('deploy', args),
        lookup,
      ),
    ).toBeUndefined()
    expect(
      checkMcpHeaders(
        modernCallHeaders({ 'mcp-param-region': 'us', 'mcp-param-count': '3' }),
        call('deploy', args),
        lookup,
      ),
    ).toMatchObject({ header: 'Mcp-Param-Region', headerValue: 'us', bodyValue: 'eu wést' })
    expect(
      checkMcpHeaders(
        modernCallHeaders({ 'mcp-param-region': region }),
        call('deploy', args),
        lookup,
      ),
    ).toMatchObject({ header: 'Mcp-Param-Count', headerValue: null, bodyValue: 3 })
    // A header for an argument the body does not carry describes another call.
    expect(
      checkMcpHeaders(
        modernCallHeaders({ 'mcp-param-region': 'eu', 'mcp-param-count': '3' }),
        call('deploy', { region: 'eu', count: null }),
        lookup,
      ),
    ).toMatchObject({ header: 'Mcp-Param-Count', bodyValue: null })
    // Unknown headers and tools the catalog has not seen pass; `number` is not a header type.
    expect(
      checkMcpHeaders(
        modernCallHeaders({
          'mcp-param-region': 'eu',
          'mcp-param-other': 'x',
          'mcp-param-ratio': '9',
        }),
        call('deploy', { region: 'eu', ratio: 0.5 }),
        lookup,
      ),
    ).toBeUndefined()
    expect(
      checkMcpHeaders(
        modernCallHeaders({ 'mcp-name': 'unseen', 'mcp-param-region': 'anything' }),
        call('unseen', { region: 'eu' }),
        lookup,
      ),
    ).toBeUndefined()
  })

  it('legacy requests need no Mcp-Param-* header, but one that is there must agree', () => {
    const legacy = call('deploy', { region: 'eu' }, {})
    expect(
      checkMcpHeaders({ 'mcp-protocol-version': '2025-11-25' }, legacy, lookup),
    ).toBeUndefined()
    expect(
      checkMcpHeaders(
        { 'mcp-protocol-version': '2025-11-25', 'mcp-param-region': 'us' },
        legacy,
        lookup,
      ),
    ).toMatchObject({ header: 'Mcp-Param-Region' })
  })

  it('refuses mirrored headers on a batch, and lets legacy batches through', () => {
    const batch = body([
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x' } },
    ])
    expect(
      checkMcpHeaders(
        { 'mcp-protocol-version': '2025-06-18', 'mcp-session-id': 's' },
        batch,
        lookup,
      ),
    ).toBeUndefined()
    expect(checkMcpHeaders({ 'mcp-method': 'tools/list' }, batch, lookup)).toMatchObject({
      header: 'Mcp-Method',
    })
    expect(checkMcpHeaders({ 'mcp-param-region': 'eu' }, batch, lookup)).toMatchObject({
      header: 'Mcp-Param-Region',
    })
    expect(checkMcpHeaders({ 'mcp-protocol-version': '2026-07-28' }, batch, lookup)).toMatchObject({
      header: 'MCP-Protocol-Version',
    })
  })

  it('tells modern requests apart and reads the declared client name', () => {
    const message = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: MODERN_META } }
    expect(isModernRequest(message, {})).toBe(true)
    expect(
      isModernRequest(
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { 'mcp-protocol-version': '2025-11-25' },
      ),
    ).toBe(false)
    expect(
      isModernRequest(
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { 'mcp-protocol-version': 'draft' },
      ),
    ).toBe(false)
    expect(declaredClientName(message)).toBe('modern-client')
    expect(declaredClientName({ jsonrpc: '2.0', id: 1, method: 'tools/list' })).toBeUndefined()
  })

  it('decodes the base64 form and leaves plain values alone', () => {
    expect(decodeHeaderValue('plain')).toBe('plain')
    expect(decodeHeaderValue(`=?base64?${Buffer.from(' padded ').toString('base64')}?=`)).toBe(
      ' padded ',
    )
    expect(decodeHeaderValue('=?base64?/w==?=')).toBeUndefined() // 0xff is not UTF-8
  })
})
