// Input rounds and listens across the two MCP eras, through the bridge, with real SDK clients
// and servers on loopback:
//   a 2025 client (SDK 1.x, handles elicitation/create) of a 2026-07-28 upstream (SDK v2) whose
//   tool answers input_required twice: the bridge asks the client mid-call and retries upstream;
//   a 2026-07-28 client (SDK v2, pinned) of a 2025 upstream (SDK 1.x) whose tool calls
//   elicitInput mid-call: the client sees input_required rounds, the upstream call stays open;
//   the same modern client's subscriptions/listen, served from the 2025 upstream's GET stream.
// Each call is held for approval once; the rounds do not ask the person again.
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PendingCall } from '../../src/approvals/queue.js'
import { decide, pending, waitForPending } from './approvals-api.js'
import {
  startElicitingLegacyServer,
  type ElicitingLegacyServer,
} from '../fixtures/eliciting-legacy-server.js'
import {
  MODERN_UPSTREAM_TOKEN,
  startModernMcpServer,
  type ModernMcpServer,
} from '../fixtures/modern-mcp-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'

type ToolResult = { isError?: boolean; content: Array<{ type: string; text: string }> }
type Rpc = {
  id?: unknown
  method?: string
  params?: Record<string, unknown>
  result?: Record<string, unknown>
  error?: { code: number; message: string }
}

const AUTH = `Authorization: Bearer ${MODERN_UPSTREAM_TOKEN}`
const MODERN = '2026-07-28'

async function approveNext(bridge: RunningCli): Promise<PendingCall> {
  const [held] = await waitForPending(bridge, 1)
  expect(await decide(bridge, held!.id, 'approve')).toBe(200)
  return held!
}

function modernClient(name: string): { client: ModernClient; asked: string[] } {
  const client = new ModernClient(
    { name, version: '1.0.0' },
    { versionNegotiation: { mode: { pin: MODERN } }, capabilities: { elicitation: { form: {} } } },
  )
  const asked: string[] = []
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(String((request.params as { message?: unknown }).message))
    return { action: 'accept', content: { ok: true } }
  })
  return { client, asked }
}

/** One 2026-07-28 request sent by hand, and every JSON-RPC message of its answer. */
async function rawModern(url: string, id: number, params: Record<string, unknown>): Promise<Rpc[]> {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
    'io.modelcontextprotocol/clientInfo': { name: 'raw-rounds', version: '1' },
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': 'tools/call',
      'mcp-name': String(params.name),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { ...params, _meta: meta },
    }),
  })
  const text = await response.text()
  const datas = response.headers.get('content-type')?.includes('text/event-stream')
    ? text
        .split(/\n\n/)
        .map((event) =>
          event
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join(''),
        )
        .filter(Boolean)
    : [text]
  return datas.map((data) => JSON.parse(data) as Rpc)
}

function answerTo(messages: Rpc[], id: number): Rpc {
  const answer = messages.find((message) => message.id === id)
  expect(answer, JSON.stringify(messages)).toBeDefined()
  return answer!
}

describe('input rounds and listens across eras', () => {
  let modern: ModernMcpServer
  let eliciting: ElicitingLegacyServer
  let silent: ElicitingLegacyServer
  let bridge: RunningCli

  beforeAll(async () => {
    modern = await startModernMcpServer({ legacy: 'reject' })
    eliciting = await startElicitingLegacyServer()
    silent = await startElicitingLegacyServer({ getStream: false })
    const env = cliEnv(await makeHome())
    for (const [name, url] of [
      ['modern', modern.url],
      ['eliciting', eliciting.url],
      ['open', eliciting.url],
      ['silent', silent.url],
    ] as const) {
      const add = await runCli(['add', name, url, '--header', AUTH, '--policy', 'allow'], env)
      expect(add.code, add.stderr).toBe(0)
    }
    expect((await runCli(['policy', 'modern', 'transfer', 'ask'], env)).code).toBe(0)
    expect((await runCli(['policy', 'eliciting', 'confirm', 'ask'], env)).code).toBe(0)
    bridge = await startBridgeProcess(env)
  })
  afterAll(async () => {
    await bridge?.stop()
    await modern?.close()
    await eliciting?.close()
    await silent?.close()
  })

  describe('a 2025 client of a 2026-07-28 upstream that answers input_required', () => {
    it('asks the client on the call’s stream, retries upstream with its answers, and is approved once', async () => {
      const client = new LegacyClient(
        { name: 'eliciting-2025-client', version: '1.0.0' },
        { capabilities: { elicitation: {} } },
      )
      const asked: string[] = []
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(String(request.params.message))
        return { action: 'accept', content: { ok: true } }
      })
      await client.connect(new LegacyTransport(new URL(`${bridge.url}/mcp/modern`)))
      const runsBefore = modern.toolRuns.filter((run) => run === 'transfer').length
      const call = client.callTool({ name: 'transfer', arguments: { amount: 5 } })
      const held = await approveNext(bridge)
      expect(held).toMatchObject({
        server: 'modern',
        tool: 'transfer',
        client: 'eliciting-2025-client',
      })
      const result = (await call) as ToolResult
      expect(result.isError).toBeFalsy()
      expect(result.content[0]?.text).toBe('transferred 5')
      expect(result).not.toHaveProperty('resultType')
      expect(asked).toEqual(['Transfer 5?', 'Really?'])
      // The first call and two retries, all with the approved arguments, and no second card.
      expect(modern.toolRuns.filter((run) => run === 'transfer').length - runsBefore).toBe(3)
      expect(await pending(bridge)).toEqual([])
      await client.close()
    })

    it('goes on with the session when the client cancels a call while it is being asked', async () => {
      const client = new LegacyClient(
        { name: 'cancelling-2025-client', version: '1.0.0' },
        { capabilities: { elicitation: {} } },
      )
      const controller = new AbortController()
      let asked: () => void = () => undefined
      const wasAsked = new Promise<void>((resolve) => (asked = resolve))
      client.setRequestHandler(ElicitRequestSchema, async () => {
        controller.abort()
        asked()
        return { action: 'accept', content: { ok: true } }
      })
      await client.connect(new LegacyTransport(new URL(`${bridge.url}/mcp/modern`)))
      const runsBefore = modern.toolRuns.length
      const call = client.callTool({ name: 'transfer', arguments: { amount: 3 } }, undefined, {
        signal: controller.signal,
      })
      await approveNext(bridge)
      await wasAsked
      await expect(call).rejects.toThrow(/abort/i)
      // The session goes on, and nothing waits for a person: the cancelled round asked no one again.
      expect(
        ((await client.callTool({ name: 'echo', arguments: { text: 'still here' } })) as ToolResult)
          .content[0]?.text,
      ).toBe('still here')
      expect(modern.toolRuns.slice(runsBefore)).toContain('echo')
      expect(await pending(bridge)).toEqual([])
      await client.close()
    })

    it('does not declare elicitation upstream for a request whose answer cannot be a stream', async () => {
      const url = `${bridge.url}/mcp/modern`
      const post = (headers: Record<string, string>, body: object) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        })
      const init = await post(
        { accept: 'application/json, text/event-stream' },
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: { elicitation: {} },
            clientInfo: { name: 'json-only-client', version: '1' },
          },
        },
      )
      const session = init.headers.get('mcp-session-id')
      await init.body?.cancel()
      expect(session).toBeTruthy()
      const call = post(
        {
          accept: 'application/json',
          'mcp-session-id': session!,
          'mcp-protocol-version': '2025-11-25',
        },
        {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'transfer', arguments: { amount: 9 } },
        },
      )
      await approveNext(bridge)
      const answer = (await (await call).json()) as Rpc
      expect(answer.error?.message).toMatch(/accepts text\/event-stream answers/)
    })

    it('keeps the error result for a client that did not declare elicitation', async () => {
      const client = new LegacyClient({ name: 'plain-2025-client', version: '1.0.0' })
      await client.connect(new LegacyTransport(new URL(`${bridge.url}/mcp/modern`)))
      const call = client.callTool({ name: 'transfer', arguments: { amount: 7 } })
      await approveNext(bridge)
      const outcome = await call.then(
        (result) => (result as ToolResult).content[0]?.text ?? '',
        (error: unknown) => String(error),
      )
      expect(outcome).toMatch(
        /declared elicitation, sampling or roots at initialize|declared that capability at initialize/,
      )
      await client.close()
    })
  })

  describe('a 2026-07-28 client of a 2025 upstream whose tool asks for input mid-call', () => {
    it('gets input_required rounds while the upstream call stays open, and is approved once', async () => {
      const { client, asked } = modernClient('eliciting-modern-client')
      await client.connect(new ModernTransport(new URL(`${bridge.url}/mcp/eliciting`)))
      const call = client.callTool({ name: 'confirm', arguments: { action: 'deploy' } })
      expect(await approveNext(bridge)).toMatchObject({
        server: 'eliciting',
        tool: 'confirm',
        client: 'eliciting-modern-client',
      })
      const result = (await call) as ToolResult
      expect(result.content[0]?.text).toBe('deploy confirmed twice')
      expect(asked).toEqual(['Run deploy?', 'Really?'])
      expect(await pending(bridge)).toEqual([])
      // One upstream call, answered twice; the session declared what the client declared.
      expect(eliciting.confirmations.filter((run) => run.action === 'deploy')).toEqual([
        {
          action: 'deploy',
          answers: [
            { action: 'accept', content: { ok: true } },
            { action: 'accept', content: { ok: true } },
          ],
        },
      ])
      expect(
        eliciting.initializations.find(
          (init) => init.clientInfo?.name === 'eliciting-modern-client',
        )?.capabilities,
      ).toMatchObject({ elicitation: { form: {} } })
      await client.close()
    })

    it('asks again for a missing answer, refuses an unknown, replayed or rebound requestState, and goes on with the right one', async () => {
      const url = `${bridge.url}/mcp/open`
      const first = answerTo(
        await rawModern(url, 1, { name: 'confirm', arguments: { action: 'ship' } }),
        1,
      )
      expect(first.result).toMatchObject({ resultType: 'input_required' })
      const [key, request] = Object.entries(first.result!.inputRequests as Record<string, Rpc>)[0]!
      expect(request).toMatchObject({
        method: 'elicitation/create',
        params: { message: 'Run ship?' },
      })
      const unanswered = first.result!.requestState as string
      expect(unanswered.length).toBeGreaterThanOrEqual(40)
      // Without its answer the request is asked again, under a new token (mrtr.mdx §Error Handling).
      const again = answerTo(
        await rawModern(url, 7, {
          name: 'confirm',
          arguments: { action: 'ship' },
          inputResponses: {},
          requestState: unanswered,
        }),
        7,
      )
      expect(again.result).toMatchObject({
        resultType: 'input_required',
        inputRequests: { [key]: request },
      })
      const token = again.result!.requestState as string
      expect(token).not.toBe(unanswered)

      const invented = answerTo(
        await rawModern(url, 2, {
          name: 'confirm',
          arguments: { action: 'ship' },
          inputResponses: { [key]: { action: 'accept', content: { ok: true } } },
          requestState: 'made-up',
        }),
        2,
      )
      expect(invented.error).toMatchObject({
        code: -32602,
        message: expect.stringMatching(/not one this bridge gave out/),
      })

      const yes = { [key]: { action: 'accept', content: { ok: true } } }
      const second = answerTo(
        await rawModern(url, 3, {
          name: 'confirm',
          arguments: { action: 'ship' },
          inputResponses: yes,
          requestState: token,
        }),
        3,
      )
      expect(second.result).toMatchObject({ resultType: 'input_required' })
      const [nextKey] = Object.keys(second.result!.inputRequests as object)
      const nextToken = second.result!.requestState as string

      const replayed = answerTo(
        await rawModern(url, 4, {
          name: 'confirm',
          arguments: { action: 'ship' },
          inputResponses: yes,
          requestState: token,
        }),
        4,
      )
      expect(replayed.error).toMatchObject({ code: -32602 })
      const rebound = answerTo(
        await rawModern(url, 5, {
          name: 'confirm',
          arguments: { action: 'sink' },
          inputResponses: { [nextKey!]: { action: 'accept', content: { ok: true } } },
          requestState: nextToken,
        }),
        5,
      )
      expect(rebound.error).toMatchObject({
        code: -32602,
        message: expect.stringMatching(/same method and params/),
      })

      const done = answerTo(
        await rawModern(url, 6, {
          name: 'confirm',
          arguments: { action: 'ship' },
          inputResponses: { [nextKey!]: { action: 'accept', content: { ok: true } } },
          requestState: nextToken,
        }),
        6,
      )
      expect(done.result).toMatchObject({
        resultType: 'complete',
        content: [{ type: 'text', text: 'ship confirmed twice' }],
      })
    })

    it('holds a retry whose arguments changed for a new approval', async () => {
      const url = `${bridge.url}/mcp/eliciting`
      const firstCall = rawModern(url, 1, { name: 'confirm', arguments: { action: 'build' } })
      await approveNext(bridge)
      const first = answerTo(await firstCall, 1)
      const [key] = Object.keys(first.result!.inputRequests as object)
      const changed = rawModern(url, 2, {
        name: 'confirm',
        arguments: { action: 'burn' },
        inputResponses: { [key!]: { action: 'accept', content: { ok: true } } },
        requestState: first.result!.requestState,
      })
      const [held] = await waitForPending(bridge, 1)
      expect(held).toMatchObject({ tool: 'confirm', arguments: { action: 'burn' } })
      expect(await decide(bridge, held!.id, 'deny')).toBe(200)
      expect(answerTo(await changed, 2).result).toMatchObject({ isError: true })
      // The same arguments pass without a card: the person approved this call already.
      const same = answerTo(
        await rawModern(url, 3, {
          name: 'confirm',
          arguments: { action: 'build' },
          inputResponses: { [key!]: { action: 'decline' } },
          requestState: first.result!.requestState,
        }),
        3,
      )
      expect(same.result).toMatchObject({
        resultType: 'complete',
        content: [{ text: 'build not confirmed' }],
      })
      expect(await pending(bridge)).toEqual([])
    })
  })

  describe('a 2026-07-28 call a person edited before approving it', () => {
    /** Approves a held call with other arguments, as the approvals page's edit does. */
    const approveEdited = async (args: Record<string, unknown>): Promise<void> => {
      const [held] = await waitForPending(bridge, 1)
      const response = await fetch(`${bridge.url}/approvals/api/decide`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: held!.id, decision: 'approve', arguments: args }),
      })
      await response.body?.cancel()
      expect(response.status).toBe(200)
    }
    /** The call's result, or 'a second card' as soon as a retry is held for approval again. */
    const withoutSecondCard = async (call: Promise<unknown>): Promise<unknown> => {
      let over = false
      const watching = (async () => {
        while (!over) {
          if ((await pending(bridge)).length > 0) return 'a second card'
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        return undefined
      })()
      try {
        return await Promise.race([call, watching.then((seen) => seen ?? call)])
      } finally {
        over = true
        await watching
      }
    }

    it('keeps the edit through a 2026-07-28 upstream’s rounds without asking again', async () => {
      const { client, asked } = modernClient('editing-modern-client')
      await client.connect(new ModernTransport(new URL(`${bridge.url}/mcp/modern`)))
      await client.listTools()
      const call = client.callTool({ name: 'transfer', arguments: { amount: 5 } })
      await approveEdited({ amount: 7 })
      const result = (await withoutSecondCard(call)) as ToolResult
      expect(result.content[0]?.text).toBe('transferred 7')
      expect(result.content[1]?.text).toContain('$.amount: 5 → 7')
      // Every round asked about the edited amount: the retries went upstream edited too.
      expect(asked).toEqual(['Transfer 7?', 'Really?'])
      expect(await pending(bridge)).toEqual([])
      await client.close()
    })

    it('keeps the edit through a 2025 upstream’s held call without asking again', async () => {
      const { client, asked } = modernClient('editing-modern-client')
      await client.connect(new ModernTransport(new URL(`${bridge.url}/mcp/eliciting`)))
      await client.listTools()
      const call = client.callTool({ name: 'confirm', arguments: { action: 'wipe' } })
      await approveEdited({ action: 'backup' })
      const result = (await withoutSecondCard(call)) as ToolResult
      expect(result.content[0]?.text).toBe('backup confirmed twice')
      expect(asked).toEqual(['Run backup?', 'Really?'])
      expect(eliciting.confirmations.filter((run) => run.action === 'wipe')).toEqual([])
      expect(eliciting.confirmations.filter((run) => run.action === 'backup')).toHaveLength(1)
      expect(await pending(bridge)).toEqual([])
      await client.close()
    })
  })

  describe('a 2026-07-28 client’s listen on a 2025 upstream', () => {
    it('shares the session’s GET stream, delivers the list changes asked for, and closes the GET with the last listen', async () => {
      const { client } = modernClient('listening-client')
      const changed: unknown[] = []
      let announced: () => void = () => undefined
      const arrival = new Promise<void>((resolve) => (announced = resolve))
      client.setNotificationHandler('notifications/tools/list_changed', (notification) => {
        changed.push(notification.params?._meta)
        announced()
      })
      await client.connect(new ModernTransport(new URL(`${bridge.url}/mcp/eliciting`)))
      const first = await client.listen({ toolsListChanged: true, promptsListChanged: true })
      const second = await client.listen({ toolsListChanged: true })
      // prompts are not advertised by this upstream, so not honoured.
      expect(first.honoredFilter).toEqual({ toolsListChanged: true })
      expect(eliciting.openGetStreams).toBe(1)
      eliciting.announceTool('fresh')
      await arrival
      await expect.poll(() => changed.length).toBe(2)
      // Once per listen, each stamped with its own subscriptionId.
      expect(
        new Set(
          changed.map(
            (meta) =>
              (meta as Record<string, unknown> | undefined)?.[
                'io.modelcontextprotocol/subscriptionId'
              ],
          ),
        ).size,
      ).toBe(2)
      await first.close()
      expect(eliciting.openGetStreams).toBe(1)
      await second.close()
      await expect.poll(() => eliciting.openGetStreams).toBe(0)
      await client.close()
    })

    it('acknowledges nothing and ends the listen when the upstream has no GET stream', async () => {
      const { client } = modernClient('listening-client')
      await client.connect(new ModernTransport(new URL(`${bridge.url}/mcp/silent`)))
      const subscription = await client.listen({ toolsListChanged: true })
      expect(subscription.honoredFilter).toEqual({})
      expect(await subscription.closed).toBe('graceful')
      await client.close()
    })
  })
})
