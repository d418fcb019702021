import { describe, expect, it } from 'vitest'
import type { GateContext } from '../approvals/gate.js'
import { gateMessages } from '../server/stages/gate-messages.js'
import { InMemoryApprovalQueue } from '../approvals/queue.js'
import { ToolCatalog } from '../approvals/tool-catalog.js'
import type { JsonRpcMessage } from './jsonrpc.js'
import { encodeHeaderValue, withArguments, withParamHeaders } from './rewrite-call.js'

const DEPLOY_SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    replicas: { type: 'integer', 'x-mcp-header': 'Replicas' },
    service: { type: 'string' },
  },
}

function gateContext(queue: InMemoryApprovalQueue, decisions: unknown[]): GateContext {
  return {
    server: 'up',
    entry: { url: 'http://127.0.0.1:1/mcp', auth: 'none', policy: 'ask' } as GateContext['entry'],
    catalog: new ToolCatalog(),
    queue,
    timeoutMs: 60_000,
    clientName: undefined,
    approvalsUrl: 'http://127.0.0.1:1/approvals',
    signal: new AbortController().signal,
    onDecision: (record) => decisions.push(record),
    onAlwaysAllow: async () => undefined,
  }
}

describe('forwarding edited arguments', () => {
  it('rewrites only the edited call of a batch, and records both hashes', async () => {
    const queue = new InMemoryApprovalQueue()
    const decisions: unknown[] = []
    const batch: JsonRpcMessage[] = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'book', arguments: { city: 'Paris' }, _meta: { progressToken: 7 } },
      },
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'book', arguments: { city: 'Nice' } },
      },
      { jsonrpc: '2.0', method: 'notifications/progress', params: {} },
    ]
    const gated = gateMessages(batch, gateContext(queue, decisions))
    await expect.poll(() => queue.pending().length).toBe(2)
    const [first, second] = queue.pending()
    queue.decide(first!.id, { kind: 'approve', source: 'page', arguments: { city: 'Lyon' } })
    queue.decide(second!.id, { kind: 'approve', source: 'page' })
    const outcome = await gated

    expect(outcome.forward).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'book', arguments: { city: 'Lyon' }, _meta: { progressToken: 7 } },
      },
      batch[1],
      batch[2],
    ])
    expect(outcome.forward[1]).toBe(batch[1]) // untouched messages are the client's own
    expect(outcome.approved.map((message) => message.id)).toEqual([1, 2])
    expect(outcome.edited).toEqual([
      { id: 1, tool: 'book', original: { city: 'Paris' }, edited: { city: 'Lyon' } },
    ])
    expect(JSON.parse(JSON.stringify(outcome.forward))[0].params.arguments).toEqual({
      city: 'Lyon',
    })
    expect(decisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          decision: 'allow',
          how: 'page',
          argumentsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          editedArgumentsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        }),
      ]),
    )
    const hashed = decisions.find(
      (record) => (record as { editedArgumentsHash?: string }).editedArgumentsHash,
    ) as { argumentsHash: string; editedArgumentsHash: string }
    expect(hashed.argumentsHash).not.toBe(hashed.editedArgumentsHash)
  })

  it('treats an "edit" that changes nothing the tool sees as a plain approval', async () => {
    const queue = new InMemoryApprovalQueue()
    const message: JsonRpcMessage = {
      jsonrpc: '2.0',
      id: 'a',
      method: 'tools/call',
      params: { name: 'book', arguments: { a: 1, b: 2 } },
    }
    const gated = gateMessages([message], gateContext(queue, []))
    await expect.poll(() => queue.pending().length).toBe(1)
    queue.decide(queue.pending()[0]!.id, {
      kind: 'approve',
      source: 'terminal',
      arguments: { b: 2, a: 1 },
    })
    const outcome = await gated
    expect(outcome.edited).toBeUndefined()
    expect(outcome.forward[0]).toBe(message)
  })

  it('keeps everything else in the message', () => {
    const message = {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'x', arguments: { a: 1 }, requestState: 's' },
    }
    expect(withArguments(message, { a: 2 })).toEqual({
      ...message,
      params: { ...message.params, arguments: { a: 2 } },
    })
    expect(message.params.arguments).toEqual({ a: 1 })
  })
})

describe('Mcp-Param-* headers after an edit', () => {
  const client = {
    'mcp-protocol-version': '2026-07-28',
    'mcp-param-region': 'eu-west',
    'mcp-param-replicas': '2',
    'mcp-param-other': 'kept',
    accept: 'application/json',
  }

  it('follow the edited arguments on a 2026-07-28 request, encoding what needs it', () => {
    expect(
      withParamHeaders(client, DEPLOY_SCHEMA, { region: 'us-east', replicas: 3 }, true),
    ).toEqual({ ...client, 'mcp-param-region': 'us-east', 'mcp-param-replicas': '3' })
    expect(withParamHeaders(client, DEPLOY_SCHEMA, { region: 'Zürich' }, true)).toEqual({
      'mcp-protocol-version': '2026-07-28',
      'mcp-param-region': `=?base64?${Buffer.from('Zürich').toString('base64')}?=`,
      'mcp-param-other': 'kept',
      accept: 'application/json',
    })
    const added = withParamHeaders(
      { 'mcp-protocol-version': '2026-07-28' },
      DEPLOY_SCHEMA,
      { region: 'eu', replicas: 1 },
      true,
    )
    expect(added).toMatchObject({ 'mcp-param-region': 'eu', 'mcp-param-replicas': '1' })
  })

  it('add nothing to a legacy request, but still follow the body where the client sent one', () => {
    expect(withParamHeaders({ accept: 'x' }, DEPLOY_SCHEMA, { region: 'eu' }, false)).toEqual({
      accept: 'x',
    })
    expect(
      withParamHeaders({ 'mcp-param-region': 'old' }, DEPLOY_SCHEMA, { region: 'new' }, false),
    ).toEqual({ 'mcp-param-region': 'new' })
  })

  it('are left alone when the schema declares none', () => {
    const headers = { 'mcp-param-region': 'eu' }
    expect(withParamHeaders(headers, { type: 'object' }, { region: 'us' }, true)).toBe(headers)
  })

  it('encode per §Value Encoding', () => {
    expect(encodeHeaderValue('plain-value 1')).toBe('plain-value 1')
    for (const text of [' lead', 'trail ', 'tab\there', 'ünï', '=?base64?abc?='])
      expect(encodeHeaderValue(text)).toBe(`=?base64?${Buffer.from(text).toString('base64')}?=`)
  })
})
