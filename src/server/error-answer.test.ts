// An unexpected error while the bridge answers a request: the stack goes to logs/requests.log,
// the client gets a short public message (no internals).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createBridgeHandler, type BridgeAppOptions } from './app.js'
import { UNEXPECTED_ERROR_TEXT, failureAnswer } from './error-answer.js'
import { openRequestLog } from './request-log.js'
import { defaultConfig } from '../config/schema.js'
import { loopbackAuthorities } from './guard.js'
import { BridgeError } from '../errors.js'

let server: Server | undefined
let folder: string | undefined

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  if (folder) await rm(folder, { recursive: true, force: true })
})

describe('the bridge onError', () => {
  it('logs the stack to logs/requests.log and answers a short message', async () => {
    folder = await mkdtemp(join(tmpdir(), 'mob-onerror-'))
    const requestLog = openRequestLog(folder, () => undefined)
    let port = 0
    const options = {
      config: () => defaultConfig(),
      tokens: {} as BridgeAppOptions['tokens'],
      staticHeaders: async () => undefined,
      authorize: async () => undefined,
      allowedAuthorities: () => loopbackAuthorities(port),
      senderFor: () => () => Promise.reject(new Error('unused')),
      bridgeToken: () => undefined,
      log: (entry) => requestLog.write(entry),
      pages: async () => {
        throw new TypeError('secret internals: /home/someone/file')
      },
    } satisfies BridgeAppOptions
    server = createServer(createBridgeHandler(options))
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port

    const response = await fetch(`http://127.0.0.1:${port}/somewhere?login=nonce`)
    expect(response.status).toBe(500)
    const body = (await response.json()) as { error: { message: string } }
    expect(body.error.message).toBe(UNEXPECTED_ERROR_TEXT)
    expect(JSON.stringify(body)).not.toContain('secret internals')

    await requestLog.close()
    const logged = await readFile(join(folder, 'requests.log'), 'utf8')
    expect(logged).toMatch(
      / - GET \/somewhere 500 [\d.]+ms unexpected error: TypeError: secret internals: \/home\/someone\/file \| at /,
    )
    expect(logged).toContain('error-answer.test.ts')
    // The query (a login nonce, say) is not logged.
    expect(logged).not.toContain('nonce')
    expect(logged.trim().split('\n')).toHaveLength(1)
  })

  it('words a BridgeError with its hint, and hides anything else', () => {
    const known = failureAnswer(
      new BridgeError('UPSTREAM_FAILED', 'The upstream is down.', { hint: 'Check it.' }),
      { id: 7, method: 'POST' },
    )
    expect(known).toEqual({
      status: 200,
      body: {
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32000, message: 'The upstream is down. Check it.' },
      },
    })
    expect(
      failureAnswer(new BridgeError('UPSTREAM_FAILED', 'down'), { id: undefined, method: 'GET' })
        .status,
    ).toBe(502)
    const unknown = failureAnswer(new Error('ENOENT /secret/path'), { id: 1, method: 'POST' })
    expect(JSON.stringify(unknown.body)).not.toContain('/secret/path')
  })
})
