// The dashboard shows times in the person's local time, to the minute, with a relative time:
// rendered on the bridge (the pages have no script) in the process's time zone.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defaultConfig, type BridgeConfig } from '../../config/schema.js'
import type { TokenStore } from '../../tokens/store.js'
import { createDashboard } from './dashboard.js'
import { PageSessions } from '../../web/sessions.js'

// 2026-12-03 11:00:00.456 UTC is 12:00 in Berlin.
const NOW = Date.UTC(2026, 11, 3, 11, 0, 0, 456)
let server: Server | undefined
let tz: string | undefined

beforeEach(() => {
  tz = process.env.TZ
  process.env.TZ = 'Europe/Berlin'
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})
afterEach(async () => {
  vi.useRealTimers()
  if (tz === undefined) delete process.env.TZ
  else process.env.TZ = tz
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
})

describe('dashboard times', () => {
  it('shows token expiry and the last error in local time with "in 42 min" style relative times', async () => {
    const config: BridgeConfig = {
      ...defaultConfig(),
      servers: { stripe: { url: 'https://mcp.example.com/mcp', auth: 'oauth' } },
    }
    const store = {
      all: async () => ({
        stripe: {
          tokens: {
            access_token: 'a',
            token_type: 'Bearer',
            expires_at: NOW + 42 * 60_000 + 59_000,
          },
        },
      }),
    } as unknown as TokenStore
    const dashboard = createDashboard({
      config: () => config,
      store,
      sessions: new PageSessions(),
      accessRequired: () => false,
      lastErrors: new Map([
        ['stripe', { message: 'upstream answered 502', at: NOW - 3 * 3_600_000 }],
      ]),
      reauthorize: async () => 'https://unused.example',
    })
    server = createServer(
      (req, res) => void dashboard(req, res, new URL(req.url ?? '/', 'http://localhost')),
    )
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const page = await (
      await fetch(`http://127.0.0.1:${port}/`, { headers: { host: `localhost:${port}` } })
    ).text()

    expect(page).toContain(
      'until <time datetime="2026-12-03T11:42:59.456Z">12:42 (in 42 min)</time>',
    )
    expect(page).toContain('<time datetime="2026-12-03T08:00:00.456Z">09:00 (3 h ago)</time>')
    // No raw UTC time with milliseconds in the text a person reads.
    expect(page.replace(/datetime="[^"]*"/g, '')).not.toMatch(
      /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/,
    )
  })
})
