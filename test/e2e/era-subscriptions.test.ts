// Resource subscriptions across the two MCP eras, through the bridge, with real SDK clients and
// servers on loopback:
//   a 2025 client (SDK 1.x) of a 2026-07-28 upstream: resources/subscribe joins the listen behind
//   its GET stream, and the upstream's updates reach it; after resources/unsubscribe they do not;
//   a 2026-07-28 client (SDK v2) of a 2025 upstream: a listen with resourceSubscriptions
//   subscribes upstream, delivers the updates for the URIs it named, and unsubscribes at its end.
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MODERN_UPSTREAM_TOKEN } from '../fixtures/modern-mcp-server.js'
import {
  startSubscribingLegacyServer,
  startSubscribingModernServer,
  type SubscribingServer,
} from '../fixtures/subscribing-servers.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'

const AUTH = `Authorization: Bearer ${MODERN_UPSTREAM_TOKEN}`

describe('resource subscriptions across eras', () => {
  let modern: SubscribingServer
  let legacy: SubscribingServer
  let bridge: RunningCli

  beforeAll(async () => {
    modern = await startSubscribingModernServer()
    legacy = await startSubscribingLegacyServer()
    const env = cliEnv(await makeHome())
    for (const [name, url] of [
      ['modern', modern.url],
      ['legacy', legacy.url],
    ] as const) {
      const add = await runCli(['add', name, url, '--header', AUTH, '--policy', 'allow'], env)
      expect(add.code, add.stderr).toBe(0)
    }
    bridge = await startBridgeProcess(env)
  })
  afterAll(async () => {
    await bridge?.stop()
    await modern?.close()
    await legacy?.close()
  })

  it('a 2025 client subscribed to a 2026-07-28 server’s resource gets its updates, and none after unsubscribing', async () => {
    const client = new LegacyClient({ name: 'subscribing-2025', version: '1.0.0' })
    const updated: string[] = []
    let arrived: () => void = () => undefined
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      updated.push(notification.params.uri)
      arrived()
    })
    const transport = new LegacyTransport(new URL(`${bridge.url}/mcp/modern`))
    await client.connect(transport)
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true)
    await client.subscribeResource({ uri: 'note://a' })
    // The GET stream opens on its own after initialize; an update goes out until one arrives.
    await expect
      .poll(
        () => {
          modern.update('note://a')
          return updated.length > 0
        },
        { timeout: 5000, interval: 100 },
      )
      .toBe(true)
    // note://b was not subscribed: its update goes nowhere.
    modern.update('note://b')
    await client.unsubscribeResource({ uri: 'note://a' })
    const seen = updated.length
    // An update of the unsubscribed URI after the unsubscribe, then one the client still gets as a marker.
    await client.subscribeResource({ uri: 'note://b' })
    const marker = new Promise<void>((resolve) => (arrived = resolve))
    modern.update('note://a')
    modern.update('note://b')
    await marker
    expect(updated.slice(seen)).toEqual(['note://b'])
    await client.close()
  })

  it('a 2026-07-28 client’s listen on a 2025 server subscribes, gets only its URIs, and unsubscribes at its end', async () => {
    const client = new ModernClient(
      { name: 'subscribing-2026', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    )
    const updated: string[] = []
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      updated.push(String(notification.params.uri))
    })
    await client.connect(new ModernTransport(new URL(`${bridge.url}/mcp/legacy`)))
    const subscription = await client.listen({ resourceSubscriptions: ['note://a'] })
    expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: ['note://a'] })
    expect([...legacy.subscribed]).toEqual(['note://a'])
    legacy.update('note://b')
    legacy.update('note://a')
    await expect.poll(() => updated).toEqual(['note://a'])
    await subscription.close()
    await expect.poll(() => legacy.subscribed.size).toBe(0)
    await expect.poll(() => legacy.openGetStreams()).toBe(0)
    await client.close()
  })

  it('acknowledges nothing for a URI the 2025 server refuses, and leaves no GET stream open for it', async () => {
    const client = new ModernClient(
      { name: 'subscribing-2026', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    )
    await client.connect(new ModernTransport(new URL(`${bridge.url}/mcp/legacy`)))
    const subscription = await client.listen({ resourceSubscriptions: ['note://missing'] })
    expect(subscription.honoredFilter).toEqual({})
    expect(await subscription.closed).toBe('graceful')
    expect(legacy.subscribed.size).toBe(0)
    await expect.poll(() => legacy.openGetStreams()).toBe(0)
    await client.close()
  })
})
