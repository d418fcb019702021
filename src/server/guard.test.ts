import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { checkHostAndOrigin, loopbackAuthorities } from './guard.js'

const ALLOWED = loopbackAuthorities(3000)
const FORM = 'application/x-www-form-urlencoded'

function request(method: string, url: string, headers: Record<string, string>): IncomingMessage {
  return {
    method,
    url,
    headers: { host: 'localhost:3000', ...headers },
  } as unknown as IncomingMessage
}

describe('the Host and Origin guard', () => {
  it('lets a page form with `Origin: null` through to the page, which checks its CSRF token', () => {
    expect(
      checkHostAndOrigin(
        request('POST', '/servers/demo/reauthorize', { origin: 'null', 'content-type': FORM }),
        ALLOWED,
      ),
    ).toEqual({ ok: true, audience: 'person' })
    expect(
      checkHostAndOrigin(
        request('POST', '/servers/demo/reauthorize', {
          origin: 'null',
          'content-type': FORM,
          'sec-fetch-site': 'same-origin',
        }),
        ALLOWED,
      ).ok,
    ).toBe(true)
  })

  it('refuses `Origin: null` when fetch metadata names another site, another port or the API', () => {
    for (const site of ['same-site', 'cross-site']) {
      expect(
        checkHostAndOrigin(
          request('POST', '/servers/demo/reauthorize', {
            origin: 'null',
            'content-type': FORM,
            'sec-fetch-site': site,
          }),
          ALLOWED,
        ),
      ).toMatchObject({ ok: false, audience: 'person' })
    }
    for (const path of ['/mcp/demo', '/x/../mcp/demo', '/approvals/api/decide']) {
      expect(
        checkHostAndOrigin(
          request('POST', path, { origin: 'null', 'content-type': FORM }),
          ALLOWED,
        ),
      ).toMatchObject({ ok: false, audience: 'program' })
    }
    expect(
      checkHostAndOrigin(
        request('POST', '/mcp/demo', { origin: 'null', 'content-type': 'application/json' }),
        ALLOWED,
      ).ok,
    ).toBe(false)
    expect(
      checkHostAndOrigin(
        request('POST', '/', { origin: 'null', 'content-type': 'text/plain' }),
        ALLOWED,
      ).ok,
    ).toBe(false)
  })

  it('refuses a foreign Origin or Host on pages too, as a page for a person', () => {
    for (const origin of [
      'https://evil.example',
      'http://127.0.0.1:3001',
      'http://localhost:3001',
    ]) {
      expect(
        checkHostAndOrigin(
          request('POST', '/servers/demo/reauthorize', { origin, 'content-type': FORM }),
          ALLOWED,
        ),
      ).toMatchObject({ ok: false, audience: 'person' })
    }
    expect(
      checkHostAndOrigin(request('GET', '/', { host: 'evil.example:3000' }), ALLOWED),
    ).toMatchObject({ ok: false, audience: 'person' })
    expect(
      checkHostAndOrigin(
        request('POST', '/', { origin: 'http://localhost:3000', 'content-type': FORM }),
        ALLOWED,
      ).ok,
    ).toBe(true)
  })
})
