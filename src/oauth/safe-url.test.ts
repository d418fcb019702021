import { describe, expect, it } from 'vitest'
import { parseSafeUrl, parseServerUrl } from './safe-url.js'

describe('URLs from servers', () => {
  it('accepts https and loopback http', () => {
    expect(parseSafeUrl('https://auth.example.com/authorize', 'x').host).toBe('auth.example.com')
    expect(parseSafeUrl('http://127.0.0.1:8080/authorize', 'x').port).toBe('8080')
    expect(parseSafeUrl('http://localhost/authorize', 'x').hostname).toBe('localhost')
  })

  it.each([
    ['http://auth.example.com/authorize', /neither https/],
    ['javascript:alert(1)', /neither https/],
    ['file:///etc/passwd', /neither https/],
    ['https://a.example.com/x;rm -rf ~', /characters/],
    ['https://a.example.com/$(id)', /characters/],
    ['https://a.example.com/`id`', /characters/],
    ['https://user:pw@a.example.com/', /credentials/],
    ['not a url', /characters/],
    ['nope', /not a valid URL/],
  ])('refuses %s', (value, message) => {
    expect(() => parseSafeUrl(value, 'authorization_endpoint')).toThrow(message)
  })

  it('explains a bad server URL from the user', () => {
    expect(() => parseServerUrl('mcp.stripe.com')).toThrow(/not a URL/)
    expect(() => parseServerUrl('ftp://x.example.com')).toThrow(/not an http/)
    expect(parseServerUrl('https://mcp.example.com/mcp#frag').href).toBe(
      'https://mcp.example.com/mcp',
    )
  })
})
