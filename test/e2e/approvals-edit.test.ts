// "Edit arguments" without a browser: a held call approved with edited arguments from the API
// and from `approvals approve --args` runs upstream with those arguments (the upstream echoes
// what it got), the client's result carries a note saying what the person changed, edits that
// break the tool's schema are refused with their JSON paths while the call stays held, a tool
// whose schema the bridge never saw is checked as a JSON object only, and in a batch only the
// edited call changes.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startEchoArgumentsServer,
  type EchoArgumentsServer,
} from '../fixtures/echo-arguments-server.js'
import { runCli, type RunningCli } from './cli-process.js'
import { pending, waitForPending } from './approvals-api.js'
import { connectClient, startBridgeFor } from './bridge-setup.js'

type ToolResult = {
  isError?: boolean
  content: Array<{ type: string; text: string }>
  structuredContent?: unknown
}

const NOTE_START =
  'Note from the bridge: before approving this call, the person changed its arguments, and the tool ran with the changed ones, not the ones you sent. '

describe('approving a held call with edited arguments', () => {
  let sse: EchoArgumentsServer
  let json: EchoArgumentsServer
  let unseen: EchoArgumentsServer
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  const clients: Client[] = []

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${bridge.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return {
      status: response.status,
      body: (await response.json()) as {
        ok?: boolean
        error?: string
        errors?: Array<{ path: string; message: string }>
        schema?: string
        note?: string
      },
    }
  }
  const connect = async (server: string, listTools = true): Promise<Client> => {
    const client = await connectClient(bridge, server, 'edit-e2e')
    if (listTools) await client.listTools() // the bridge learns the input schema here
    clients.push(client)
    return client
  }

  beforeAll(async () => {
    ;[sse, json, unseen] = await Promise.all([
      startEchoArgumentsServer(),
      startEchoArgumentsServer({ json: true }),
      startEchoArgumentsServer({ json: true }),
    ])
    ;({ env, bridge } = await startBridgeFor({
      sse: { url: sse.url, policy: 'ask' },
      json: { url: json.url, policy: 'ask' },
      unseen: { url: unseen.url, policy: 'ask' },
    }))
  })
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined)
    await bridge?.stop()
    await Promise.all([sse?.close(), json?.close(), unseen?.close()])
  })

  it('from the API: a schema-breaking edit is refused with its paths and the call stays held; the edit that fits runs upstream, and the result says what changed (SSE answer)', async () => {
    const client = await connect('sse')
    const call = client.callTool({
      name: 'book',
      arguments: { city: 'Paris', nights: 3, note: '<b>late</b>' },
    }) as Promise<ToolResult>
    const [held] = await waitForPending(bridge, 1)
    expect(held!.inputSchema).toBeTruthy()

    const live = await post('/approvals/api/check-arguments', {
      id: held!.id,
      arguments: { city: 'Rome', nights: 0 },
    })
    expect(live.status).toBe(200)
    expect(live.body).toMatchObject({ ok: false, schema: 'checked' })
    expect(live.body.errors).toEqual(
      expect.arrayContaining([
        { path: '$.city', message: 'must be one of "Paris", "Lyon", "Nice"' },
        { path: '$.nights', message: 'must be >= 1' },
      ]),
    )
    expect(
      (
        await post('/approvals/api/check-arguments', {
          id: held!.id,
          arguments: { city: 'Lyon', nights: 2 },
        })
      ).body,
    ).toMatchObject({ ok: true, errors: [] })

    const refused = await post('/approvals/api/decide', {
      id: held!.id,
      decision: 'approve',
      arguments: { city: 'Lyon', nights: 0 },
    })
    expect(refused.status).toBe(422)
    expect(refused.body.error).toBe(
      "The edited arguments do not fit the tool's input schema: $.nights: must be >= 1. The call is still waiting: fix them and approve again.",
    )
    expect((await pending(bridge)).map((waiting) => waiting.id)).toEqual([held!.id])
    expect(sse.received).toEqual([])

    expect(
      (
        await post('/approvals/api/decide', {
          id: held!.id,
          decision: 'approve',
          arguments: { city: 'Lyon', nights: 2 },
        })
      ).status,
    ).toBe(200)
    const result = await call
    expect(sse.received).toEqual([{ city: 'Lyon', nights: 2 }])
    expect(result.isError).toBeFalsy()
    expect(result.content).toEqual([
      { type: 'text', text: 'booked {"city":"Lyon","nights":2}' },
      {
        type: 'text',
        text: `${NOTE_START}$.city: "Paris" → "Lyon"; $.nights: 3 → 2; $.note: removed (was "<b>late</b>").`,
      },
    ])
    expect(result.structuredContent).toEqual({ city: 'Lyon', nights: 2 }) // as the upstream sent it
  })

  it("from the terminal: approvals approve <id> --args (bad JSON exits 2, a schema error exits 1 with the bridge's words, both leave the call held)", async () => {
    const client = await connect('json')
    const call = client.callTool({
      name: 'book',
      arguments: { city: 'Paris', nights: 3 },
    }) as Promise<ToolResult>
    const [held] = await waitForPending(bridge, 1)

    const badJson = await runCli(['approvals', 'approve', held!.id, '--args', '{city: Nice'], env)
    expect(badJson.code).toBe(2)
    expect(badJson.stderr).toMatch(/--args is not valid JSON/)
    const badSchema = await runCli(
      ['approvals', 'approve', held!.id, '--args', '{"city": "Nice", "nights": 99}'],
      env,
    )
    expect(badSchema.code).toBe(1)
    expect(badSchema.stderr).toContain(
      "The edited arguments do not fit the tool's input schema: $.nights: must be <= 30.",
    )
    expect((await pending(bridge)).map((waiting) => waiting.id)).toEqual([held!.id])

    const approved = await runCli(
      ['approvals', 'approve', held!.id, '--args', '{"city": "Nice", "nights": 1}'],
      env,
    )
    expect(approved.code, approved.stderr).toBe(0)
    expect(approved.stdout + approved.stderr).toMatch(/Approved .* with the edited arguments/)
    const result = await call
    expect(json.received).toEqual([{ city: 'Nice', nights: 1 }])
    expect(result.content.at(-1)?.text).toBe(
      `${NOTE_START}$.city: "Paris" → "Nice"; $.nights: 3 → 1.`,
    )
    expect(result.structuredContent).toEqual({ city: 'Nice', nights: 1 })
    expect((await runCli(['approvals', 'deny', held!.id, '--args', '{}'], env)).code).toBe(2)
  })

  it('a tool whose schema the bridge never saw: edits are checked only as a JSON object', async () => {
    const client = await connect('unseen', false)
    const call = client.callTool({
      name: 'book',
      arguments: { city: 'Paris', nights: 3 },
    }) as Promise<ToolResult>
    const [held] = await waitForPending(bridge, 1)
    expect(held!.inputSchema).toBeUndefined()
    const check = await post('/approvals/api/check-arguments', {
      id: held!.id,
      arguments: { nights: 'many' },
    })
    expect(check.body).toMatchObject({
      ok: true,
      schema: 'unknown',
      note: expect.stringMatching(/checked only as a JSON object/),
    })
    const notObject = await post('/approvals/api/decide', {
      id: held!.id,
      decision: 'approve',
      arguments: ['Nice'],
    })
    expect(notObject.status).toBe(422)
    expect(notObject.body.errors).toEqual([
      { path: '$', message: "must be a JSON object (the tool's arguments), not an array" },
    ])
    expect(await pending(bridge)).toHaveLength(1)
    expect(
      (
        await post('/approvals/api/decide', {
          id: held!.id,
          decision: 'approve',
          arguments: { city: 'Nice', nights: 4 },
        })
      ).status,
    ).toBe(200)
    expect((await call).content.at(-1)?.text).toBe(
      `${NOTE_START}$.city: "Paris" → "Nice"; $.nights: 3 → 4.`,
    )
    expect(unseen.received).toEqual([{ city: 'Nice', nights: 4 }])
  })

  it('in a batch, only the edited call is rewritten and only its result carries the note', async () => {
    json.received.length = 0
    const batch = [
      {
        jsonrpc: '2.0',
        id: 'edited',
        method: 'tools/call',
        params: { name: 'book', arguments: { city: 'Paris', nights: 2 } },
      },
      {
        jsonrpc: '2.0',
        id: 'as-sent',
        method: 'tools/call',
        params: { name: 'book', arguments: { city: 'Nice', nights: 5 } },
      },
    ]
    const response = fetch(`${bridge.url}/mcp/json`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(batch),
    })
    const held = await waitForPending(bridge, 2)
    const byArgs = (city: string) =>
      held.find((waiting) => (waiting.arguments as { city: string }).city === city)!
    expect(
      (
        await post('/approvals/api/decide', {
          id: byArgs('Paris').id,
          decision: 'approve',
          arguments: { city: 'Lyon', nights: 2 },
        })
      ).status,
    ).toBe(200)
    expect(
      (await post('/approvals/api/decide', { id: byArgs('Nice').id, decision: 'approve' })).status,
    ).toBe(200)
    const answers = (await (await response).json()) as Array<{ id: string; result: ToolResult }>
    expect(json.received).toEqual(
      expect.arrayContaining([
        { city: 'Lyon', nights: 2 },
        { city: 'Nice', nights: 5 },
      ]),
    )
    expect(json.received).toHaveLength(2)
    const edited = answers.find((answer) => answer.id === 'edited')!
    const asSent = answers.find((answer) => answer.id === 'as-sent')!
    expect(edited.result.content.map((item) => item.text)).toEqual([
      'booked {"city":"Lyon","nights":2}',
      `${NOTE_START}$.city: "Paris" → "Lyon".`,
    ])
    expect(asSent.result.content.map((item) => item.text)).toEqual([
      'booked {"city":"Nice","nights":5}',
    ])
  })
})
