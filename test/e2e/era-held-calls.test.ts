// The held upstream call of a 2026-07-28 client's input round, against a real SDK 1.x server that
// asks for input mid-call: nobody comes back for it, so the bridge cancels it upstream when the
// wait ends, and the late retry is told its requestState has expired; and when the upstream
// refuses the answers' POST (a revoked token), the retry is told so and the call is cancelled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startElicitingLegacyServer,
  type ElicitingLegacyServer,
} from '../fixtures/eliciting-legacy-server.js'
import { MODERN_UPSTREAM_TOKEN } from '../fixtures/modern-mcp-server.js'
import type { UpstreamRequest } from '../../src/proxy/upstream.js'
import { readMessages } from '../../src/proxy/era/message-stream.js'
import { createToLegacySender } from '../../src/proxy/era/to-legacy.js'
import { isRecord } from '../../src/proxy/era/wire.js'

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
  'io.modelcontextprotocol/clientInfo': { name: 'abandoning-client', version: '1' },
}

describe('a held upstream call nobody comes back for', () => {
  let upstream: ElicitingLegacyServer
  beforeAll(async () => {
    upstream = await startElicitingLegacyServer()
  })
  afterAll(async () => {
    await upstream?.close()
  })

  const call = (
    id: number,
    params: Record<string, unknown>,
    token = MODERN_UPSTREAM_TOKEN,
  ): UpstreamRequest => ({
    url: new URL(upstream.url),
    method: 'POST',
    clientHeaders: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
    },
    body: Buffer.from(
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { ...params, _meta: META },
      }),
    ),
    staticHeaders: { authorization: `Bearer ${token}` },
    token: undefined,
    signal: new AbortController().signal,
  })

  it('is cancelled upstream when the wait ends, and its requestState is refused afterwards', async () => {
    const translator = createToLegacySender(undefined, { inputWaitMs: 50 })
    try {
      const [first] = await readMessages(
        await translator.send(call(1, { name: 'confirm', arguments: { action: 'abandon' } })),
      )
      expect(first?.result).toMatchObject({ resultType: 'input_required' })
      const result = first?.result as Record<string, unknown>
      await expect.poll(() => upstream.cancelled).toContain('abandon')
      const key = Object.keys(
        isRecord(result.inputRequests) ? result.inputRequests : {},
      )[0] as string
      const [late] = await readMessages(
        await translator.send(
          call(2, {
            name: 'confirm',
            arguments: { action: 'abandon' },
            inputResponses: { [key]: { action: 'accept', content: { ok: true } } },
            requestState: result.requestState,
          }),
        ),
      )
      expect(late?.error).toMatchObject({ code: -32602, message: expect.stringMatching(/expired/) })
      expect(upstream.confirmations.filter((run) => run.action === 'abandon')).toEqual([])
    } finally {
      translator.close()
    }
  })

  it('answers the retry with the upstream’s status and cancels the call when the upstream refuses the answers', async () => {
    const translator = createToLegacySender()
    try {
      const [first] = await readMessages(
        await translator.send(call(1, { name: 'confirm', arguments: { action: 'refused' } })),
      )
      const result = first?.result as Record<string, unknown>
      const key = Object.keys(
        isRecord(result.inputRequests) ? result.inputRequests : {},
      )[0] as string
      // The token was revoked while the person answered: the upstream refuses the answer's POST.
      const retry = call(
        2,
        {
          name: 'confirm',
          arguments: { action: 'refused' },
          inputResponses: { [key]: { action: 'accept', content: { ok: true } } },
          requestState: result.requestState,
        },
        'revoked-token',
      )
      const [answer] = await readMessages(await translator.send(retry))
      expect(answer).toMatchObject({
        id: 2,
        error: {
          code: -32603,
          message: expect.stringMatching(/HTTP 403 .*token.*Send the request again/),
        },
      })
      // The held call does not wait for answers that never came: it is cancelled upstream.
      await expect.poll(() => upstream.cancelled).toContain('refused')
      expect(upstream.confirmations.filter((run) => run.action === 'refused')).toEqual([])
    } finally {
      translator.close()
    }
  })
})
