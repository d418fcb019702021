import { getEventListeners } from 'node:events'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import { eraFromProbe, suggestsOtherEra } from './era-probe.js'
import { eachMessage, mapMessages } from './message-stream.js'
import { legacyMessage } from './modern-call.js'
import { modernMessage } from './modern-results.js'
import { encodeHeaderValue, paramDeclarations, routingHeaders } from './routing-headers.js'
import { clientCanAnswer, inputAnswer, inputCapabilities } from './input-requests.js'
import { clientEraOf, type Message } from './wire.js'
import type { UpstreamResponse } from '../upstream.js'
import { upstreamRequest } from '../../../test/support/upstream-request.js'
import { relayInputRounds, type InputRounds } from './legacy-input-rounds.js'
import type { LegacyClientSession } from './legacy-sessions.js'
import { MAX_ROUNDS } from './input-requests.js'

const request = (headers: Record<string, string>, body?: object, method = 'POST') =>
  upstreamRequest('http://x', {
    method,
    clientHeaders: headers,
    body: body ? Buffer.from(JSON.stringify(body)) : undefined,
  })

describe('era wire rules', () => {
  it('tells a client request’s era from its header, and reads the body only without header or session', () => {
    expect(clientEraOf(request({ 'mcp-protocol-version': '2026-07-28' }))).toBe('2026-07-28')
    expect(clientEraOf(request({ 'mcp-protocol-version': '2025-06-18' }))).toBe('2025-11-25')
    expect(
      clientEraOf(request({}, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} })),
    ).toBe('2025-11-25')
    expect(
      clientEraOf(
        request(
          {},
          {
            jsonrpc: '2.0',
            method: 'x',
            params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
          },
        ),
      ),
    ).toBe('2026-07-28')
    expect(clientEraOf(request({}, undefined, 'GET'))).toBe('2025-11-25')
  })

  it('judges the probe: discover results and modern errors are 2026-07-28, a legacy 400 is 2025, 401 and 5xx tell nothing', () => {
    expect(eraFromProbe(200, [{ id: 'p', result: { supportedVersions: ['2026-07-28'] } }])).toBe(
      '2026-07-28',
    )
    expect(eraFromProbe(400, [{ id: 'p', error: { code: -32022 } }])).toBe('2026-07-28')
    expect(
      eraFromProbe(400, [
        { id: null, error: { code: -32000, message: 'Bad Request: Server not initialized' } },
      ]),
    ).toBe('2025-11-25')
    expect(eraFromProbe(405, [])).toBeUndefined()
    expect(eraFromProbe(401, [])).toBeUndefined()
    expect(eraFromProbe(502, [])).toBeUndefined()
    expect(suggestsOtherEra('2026-07-28', [{ error: { code: -32000 } }])).toBe(true)
    expect(suggestsOtherEra('2026-07-28', [{ error: { code: -32020 } }])).toBe(false)
    expect(suggestsOtherEra('2025-11-25', [{ error: { code: -32000 } }])).toBe(false)
    expect(suggestsOtherEra('2025-11-25', [{ error: { code: -32022 } }])).toBe(true)
  })

  it('builds Mcp-Name and Mcp-Param-* headers, base64 where a plain header cannot carry the value', () => {
    const schema = {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        n: { type: 'number', 'x-mcp-header': 'N' },
        nested: { type: 'object', properties: { id: { type: 'integer', 'x-mcp-header': 'Id' } } },
      },
    }
    const declarations = paramDeclarations(schema)
    expect(declarations.map((d) => d.name)).toEqual(['Region', 'Id'])
    const headers = routingHeaders(
      {
        method: 'tools/call',
        params: { name: 'déploy', arguments: { region: ' eu ', nested: { id: 7 } } },
      },
      declarations,
    )
    expect(headers).toEqual({
      'mcp-method': 'tools/call',
      'mcp-name': encodeHeaderValue('déploy'),
      'mcp-param-region': `=?base64?${Buffer.from(' eu ').toString('base64')}?=`,
      'mcp-param-id': '7',
    })
    expect(encodeHeaderValue('plain')).toBe('plain')
  })

  it('rewrites results for each era: resultType and cache hints off for 2025, on for 2026-07-28', () => {
    expect(
      legacyMessage(
        {
          jsonrpc: '2.0',
          id: 1,
          result: {
            tools: [],
            resultType: 'complete',
            ttlMs: 0,
            cacheScope: 'private',
            _meta: { 'io.modelcontextprotocol/serverInfo': {} },
          },
        },
        'tools/list',
      ),
    ).toEqual({ jsonrpc: '2.0', id: 1, result: { tools: [] } })
    expect(
      legacyMessage(
        { jsonrpc: '2.0', id: 2, result: { resultType: 'input_required', inputRequests: {} } },
        'tools/call',
      ),
    ).toMatchObject({ id: 2, result: { isError: true } })
    expect(
      modernMessage({ jsonrpc: '2.0', id: 5, result: { tools: [] } }, 'tools/list', 'client-1'),
    ).toEqual({
      jsonrpc: '2.0',
      id: 'client-1',
      result: { resultType: 'complete', ttlMs: 0, cacheScope: 'private', tools: [] },
    })
    expect(
      modernMessage({ jsonrpc: '2.0', id: 6, result: { content: [] } }, 'tools/call', 3),
    ).toEqual({ jsonrpc: '2.0', id: 3, result: { resultType: 'complete', content: [] } })
  })

  it('maps every message of an SSE answer, dropping what the map drops', async () => {
    const body =
      'event: message\nid: 1\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\n: keep-alive\n\nevent: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n'
    const mapped = mapMessages(
      {
        statusCode: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: Readable.from([body.slice(0, 30), body.slice(30)]),
      },
      (message) => (message.method ? undefined : { ...message, id: 'x' }),
    )
    expect(await text(mapped.body)).toBe(
      ': keep-alive\n\nevent: message\ndata: {"jsonrpc":"2.0","id":"x","result":{}}\n\n',
    )
  })

  it('hands out an answer’s messages one at a time, an SSE event split across chunks included', async () => {
    const sse =
      'event: message\ndata: {"jsonrpc":"2.0","id":"s","method":"elicitation/create","params":{}}\n\n: ping\n\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n'
    const pulled: unknown[] = []
    for await (const message of eachMessage({
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: Readable.from([sse.slice(0, 41), sse.slice(41, 90), sse.slice(90)]),
    }))
      pulled.push(message)
    expect(pulled).toEqual([
      { jsonrpc: '2.0', id: 's', method: 'elicitation/create', params: {} },
      { jsonrpc: '2.0', id: 1, result: {} },
    ])
    const json: unknown[] = []
    for await (const message of eachMessage({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Readable.from(['{"jsonrpc":"2.0",', '"id":2,"result":{}}']),
    }))
      json.push(message)
    expect(json).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }])
  })

  it('knows which capability each input request needs, and strips resultType from the answers', () => {
    const declared = inputCapabilities({ elicitation: { form: {} }, roots: {}, experimental: {} })
    expect(declared).toEqual({ elicitation: { form: {} }, roots: {} })
    expect(clientCanAnswer('elicitation/create', declared)).toBe(true)
    expect(clientCanAnswer('roots/list', declared)).toBe(true)
    expect(clientCanAnswer('sampling/createMessage', declared)).toBe(false)
    expect(clientCanAnswer('ping', declared)).toBe(false)
    expect(
      inputAnswer({ resultType: 'complete', action: 'accept', content: { ok: true } }),
    ).toEqual({ action: 'accept', content: { ok: true } })
  })
})

describe('a 2025 client’s input rounds with a 2026-07-28 upstream', () => {
  const inputRequired = (id: unknown, round: number) => ({
    jsonrpc: '2.0',
    id,
    result: {
      resultType: 'input_required',
      inputRequests: {
        ask: { method: 'elicitation/create', params: { message: `round ${round}` } },
      },
      requestState: `s${round}`,
    },
  })
  const answer = (status: number, value: unknown): UpstreamResponse => ({
    statusCode: status,
    headers: { 'content-type': 'application/json' },
    body: Readable.from([Buffer.from(JSON.stringify(value))]),
  })
  const session = () =>
    ({
      inputCapabilities: { elicitation: {} },
      awaiting: new Map<string, (response: Message) => void>(),
    }) as unknown as LegacyClientSession

  /** Plays the rounds, answering each input request at once, and gives every message the client got. */
  async function play(
    first: UpstreamResponse,
    retry: InputRounds['retry'],
    signal = new AbortController().signal,
  ): Promise<Message[]> {
    const client = session()
    const played = relayInputRounds(first, {
      session: client,
      message: {
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'transfer', arguments: {} },
      },
      method: 'tools/call',
      signal,
      retry,
    })
    const seen: Message[] = []
    for await (const message of eachMessage(played)) {
      seen.push(message)
      if (typeof message.method === 'string' && message.id !== undefined)
        client.awaiting.get(String(message.id))?.({
          jsonrpc: '2.0',
          id: message.id,
          result: { action: 'accept' },
        })
    }
    return seen
  }

  it('sends the call upstream at most MAX_ROUNDS times, and leaves no abort listener behind', async () => {
    const signal = new AbortController().signal
    let sends = 1
    const seen = await play(
      answer(200, inputRequired(9, 0)),
      async (_params, id) => answer(200, inputRequired(id, sends++)),
      signal,
    )
    expect(sends).toBe(MAX_ROUNDS)
    expect(seen.at(-1)).toMatchObject({
      id: 9,
      result: {
        isError: true,
        content: [{ text: expect.stringMatching(`after ${MAX_ROUNDS} rounds`) }],
      },
    })
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
  })

  it('relays the error of a retry the upstream refused, also under id null', async () => {
    const seen = await play(answer(200, inputRequired(9, 0)), async () =>
      answer(400, {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32602, message: 'requestState expired' },
      }),
    )
    expect(seen.at(-1)).toEqual({
      jsonrpc: '2.0',
      id: 9,
      error: { code: -32602, message: 'requestState expired' },
    })
  })

  it('says the token was refused when a retry gets 401, instead of an empty answer', async () => {
    const seen = await play(answer(200, inputRequired(9, 0)), async () => ({
      statusCode: 401,
      headers: {},
      body: Readable.from([]),
    }))
    expect(seen.at(-1)).toMatchObject({
      id: 9,
      result: {
        isError: true,
        content: [
          {
            text: expect.stringMatching(
              /refused the bridge's token \(HTTP 401\).*send the call again/,
            ),
          },
        ],
      },
    })
  })
})
