// The bridge prints its listening line before its request pipeline has loaded: requests that come
// in that window wait for it and meet the same guard, access checks and answers as later ones.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { resolvePaths } from '../config/paths.js'
import { defaultConfig } from '../config/schema.js'
import { ensureHome, writeConfig } from '../config/store.js'
import { startBridge, type RunningBridge } from './listen.js'
import { raw } from '../../test/support/raw-http.js'

const held = vi.hoisted(() => {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  let arrivals = 0
  const waiting: Array<{ count: number; resolve: () => void }> = []
  return {
    gate,
    release,
    /** Called by the wrapped handler for every request it is given. */
    arrived() {
      arrivals++
      for (const waiter of waiting.splice(0))
        if (arrivals >= waiter.count) waiter.resolve()
        else waiting.push(waiter)
    },
    arrivals: (count: number) =>
      new Promise<void>((resolve) =>
        arrivals >= count ? resolve() : waiting.push({ count, resolve }),
      ),
  }
})

// The request pipeline's module loads only when the test lets it.
vi.mock('./wiring.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./wiring.js')>()
  await held.gate
  return real
})
// Counts the requests node:http hands the bridge, so the test knows they are in before it lets the load finish.
vi.mock('./deferred-handler.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./deferred-handler.js')>()
  return {
    deferredHandler: ((load, refuse) => {
      const deferred = real.deferredHandler(load, refuse)
      return {
        ...deferred,
        handle: (req, res) => {
          deferred.handle(req, res)
          held.arrived()
        },
      }
    }) satisfies typeof real.deferredHandler,
  }
})

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('startBridge before its request pipeline has loaded', () => {
  it('guards and answers early requests as it answers later ones', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bridge-listen-'))
    cleanups.push(() => rm(home, { recursive: true, force: true }))
    const paths = resolvePaths({
      MCP_OAUTH_BRIDGE_HOME: home,
      MCP_OAUTH_BRIDGE_KEY_STORAGE: 'file',
    })
    await ensureHome(paths)
    await writeConfig(paths, {
      ...defaultConfig(),
      servers: { up: { url: 'http://127.0.0.1:9/mcp', auth: 'none', policy: 'allow' } },
    })
    const bridge: RunningBridge = await startBridge({
      paths,
      port: 0,
      host: '127.0.0.1',
      requireAccessToken: true,
      flowIo: { progress: () => undefined, openBrowser: async () => undefined, browser: 'open' },
      log: () => undefined,
      onConfigError: () => undefined,
    })
    cleanups.push(() => bridge.close())
    expect(bridge.accessTokenRequired()).toBe(true)

    const mcp = `${bridge.url}/mcp/up`
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })
    const early = [
      // DNS rebinding: a foreign Host is refused even though the pipeline is not there yet.
      raw(mcp, { method: 'POST', headers: { host: 'evil.example' }, body }),
      // No credential: the challenge names the bridge's own authorization metadata.
      raw(mcp, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
      }),
      raw(`${bridge.url}/health`),
    ]
    await held.arrivals(early.length)
    held.release()
    const [rebinding, unauthenticated, health] = await Promise.all(early)

    expect(rebinding?.status).toBe(403)
    expect(unauthenticated?.status).toBe(401)
    expect(unauthenticated?.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${bridge.url}/.well-known/oauth-protected-resource/mcp/up"`,
    )
    expect(health?.status).toBe(200)
    expect(JSON.parse(health?.body ?? '')).toMatchObject({ service: 'mcp-oauth-bridge' })

    // The same request after the load gets the same answer.
    const later = await raw(mcp, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
    })
    expect(later.status).toBe(401)
    expect(later.headers['www-authenticate']).toBe(unauthenticated?.headers['www-authenticate'])
  })
})
