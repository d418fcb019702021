import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultConfig, type BridgeConfig } from '../config/schema.js'
import type { TokenManager } from '../tokens/manager.js'
import { Bridge, type BridgeParts } from './bridge.js'
import { loopbackAuthorities } from './guard.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  )
})

async function listen(server: Server): Promise<number> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** An upstream that answers every POST with the JSON-RPC result `{ ok: true }`. */
async function upstream(): Promise<string> {
  const port = await listen(
    createServer((req, res) => {
      req.resume()
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"jsonrpc":"2.0","id":1,"result":{"ok":true}}'),
      )
    }),
  )
  return `http://127.0.0.1:${port}/mcp`
}

function parts(config: BridgeConfig, port: () => number): BridgeParts {
  return {
    config: () => config,
    tokens: {} as TokenManager,
    staticHeaders: async () => undefined,
    authorize: async () => undefined,
    allowedAuthorities: () => loopbackAuthorities(port()),
    bridgeToken: () => undefined,
    log: () => undefined,
    senders: async (send) => ({ senderFor: () => send, close: async () => undefined }),
  }
}

async function serve(config: BridgeConfig): Promise<{ bridge: Bridge; url: string }> {
  let port = 0
  const bridge = new Bridge(parts(config, () => port))
  port = await listen(createServer(bridge.handle))
  return { bridge, url: `http://127.0.0.1:${port}/mcp/up` }
}

function call(url: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  })
}

describe('Bridge', () => {
  it('owns its upstream connections: a second bridge works after the first one closed', async () => {
    const config = {
      ...defaultConfig(),
      servers: { up: { url: await upstream(), auth: 'none' as const } },
    }
    const first = await serve(config)
    expect(await (await call(first.url)).json()).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { ok: true },
    })
    await first.bridge.close()

    const second = await serve(config)
    const answer = await call(second.url)
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { ok: true } })
    await second.bridge.close()
  })

  it('serves two bridges side by side, each closing only its own connections', async () => {
    const config = {
      ...defaultConfig(),
      servers: { up: { url: await upstream(), auth: 'none' as const } },
    }
    const one = await serve(config)
    const two = await serve(config)
    await call(one.url)
    await one.bridge.close()
    expect((await call(two.url)).status).toBe(200)
    await two.bridge.close()
  })
})
