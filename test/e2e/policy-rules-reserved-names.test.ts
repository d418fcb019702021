// Rule forms posted to the built bridge for servers named like the properties every JavaScript
// object has (__proto__, constructor), signed in with the real cookie and CSRF token: each is
// refused as a server that does not exist, config.json stays byte for byte as it was, and the
// real server's calls are still held for a person, as they would not be had `policy: allow`
// landed on Object.prototype. `add` and `policy` refuse such a name before they touch anything.
import { request } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { startRulesMcpServer, type RulesMcpServer } from '../fixtures/rules-mcp-server.js'
import { runCli, type RunningCli } from './cli-process.js'
import { decide, pending as pendingCalls } from './approvals-api.js'
import { bridgeAuthorization, connectClient, startBridgeFor } from './bridge-setup.js'
import { loginLink } from './dashboard-sign-in.js'

type ToolResult = { isError?: boolean; content: Array<{ text: string }> }
type Answer = {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

describe('rule forms for a server named __proto__ or constructor', () => {
  let upstream: RulesMcpServer
  let bridge: RunningCli
  let home: string
  let env: NodeJS.ProcessEnv
  let authorization: string
  let cookie: string
  let csrf: string
  let client: Client
  const configText = () => readFile(join(home, 'config.json'), 'utf8')

  /** A request to the bridge as the person's browser sends it, to the `localhost` the cookie is for. */
  function send(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body = '',
  ): Promise<Answer> {
    const port = new URL(bridge.url).port
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: {
            host: `localhost:${port}`,
            ...headers,
            'content-length': String(Buffer.byteLength(body)),
          },
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (text += chunk))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }),
          )
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }

  const postRule = (server: string, fields: Record<string, string>) =>
    send(
      'POST',
      `/servers/${server}/rules`,
      { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ csrf, ...fields }).toString(),
    )

  beforeAll(async () => {
    upstream = await startRulesMcpServer()
    ;({ home, env, bridge } = await startBridgeFor({ pay: { url: upstream.url } }, { auth: true }))
    authorization = await bridgeAuthorization(env, 'pay')
    const link = new URL(await loginLink(bridge))
    const signedIn = await send('GET', `${link.pathname}${link.search}`)
    expect(signedIn.status).toBe(303)
    cookie = String(signedIn.headers['set-cookie']).split(';')[0]!
    const dashboard = await send('GET', '/', { cookie })
    expect(dashboard.status).toBe(200)
    csrf = /name="csrf" value="([^"]+)"/.exec(dashboard.body)![1]!
    client = await connectClient(bridge, 'pay', 'reserved-names-e2e', authorization)
    await client.listTools()
  }, 60_000)

  afterAll(async () => {
    await client?.close().catch(() => undefined)
    await bridge?.stop()
    await upstream?.close()
  })

  const pending = () => pendingCalls(bridge, authorization)

  /** A call the bridge must hold: denied here once held, so the client gets its refusal. */
  async function expectHeld(name: string, args: Record<string, unknown>): Promise<void> {
    const runs = upstream.calls.length
    const call = client.callTool({ name, arguments: args }) as Promise<ToolResult>
    await expect.poll(async () => (await pending()).map((held) => held.tool)).toEqual([name])
    const [held] = await pending()
    expect(await decide(bridge, held!.id, 'deny', authorization)).toBe(200)
    expect((await call).isError).toBe(true)
    expect(upstream.calls.length).toBe(runs)
  }

  it('refuses each post as a server that does not exist; config.json is untouched and pay still asks', async () => {
    const before = await configText()
    for (const server of ['__proto__', 'constructor']) {
      for (const fields of [
        { change: 'set', tool: '*', policy: 'allow' },
        { change: 'read-only', 'read-only': 'allow' },
      ]) {
        const refused = await postRule(server, fields)
        expect(refused.status).toBe(404)
        expect(refused.body).toContain(
          `There is no server named &quot;${server}&quot;. Nothing was changed.`,
        )
      }
    }
    // Ending a window there finds no server either, and changes nothing.
    const ended = await send(
      'POST',
      '/servers/__proto__/end-window',
      { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ csrf, tool: 'send_money' }).toString(),
    )
    expect(ended.status).toBe(303)
    expect(await configText()).toBe(before)

    // pay has no rule of its own: its calls are held, as they were before the posts.
    await expectHeld('send_money', { amount: 5, currency: 'EUR', to: 'ada@ok.example' })
    await expectHeld('get_balance', {})

    // The same form for the real server is accepted with this cookie and token.
    const accepted = await postRule('pay', { change: 'set', tool: '*', policy: 'deny' })
    expect(accepted.status).toBe(303)
    expect(
      (JSON.parse(await configText()) as { servers: { pay: { policy?: string } } }).servers.pay
        .policy,
    ).toBe('deny')
  })

  it('add refuses the name before it contacts the server', async () => {
    const runs = upstream.calls.length
    const added = await runCli(['add', '__proto__', upstream.url], env)
    expect(added.code).not.toBe(0)
    expect(added.stderr).toContain(
      '"__proto__" cannot name a server: "__proto__", "constructor", "prototype" are reserved words of JavaScript objects.',
    )
    expect(Object.keys((JSON.parse(await configText()) as { servers: object }).servers)).toEqual([
      'pay',
    ])
    expect(upstream.calls.length).toBe(runs)
  })

  it('policy refuses such a server name, and takes a tool named constructor as an ordinary tool', async () => {
    const before = await configText()
    const refused = await runCli(['policy', '__proto__', 'allow'], env)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('"__proto__" cannot name a server')
    const removed = await runCli(['policy', 'pay', 'constructor', '--remove-when', '1'], env)
    expect(removed.code).not.toBe(0)
    expect(removed.stderr).toContain('"constructor" on "pay" has no argument rule #1.')
    expect(await configText()).toBe(before)
  })
})
