import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifierMatches } from './credentials.js'
import { serverOfResource } from './metadata.js'
import { RedirectUriError, classifyRedirectUri, isRegisteredRedirect } from './redirect-uris.js'

describe('redirect URIs', () => {
  it('admits loopback http and https, refuses everything else', () => {
    expect(classifyRedirectUri('http://127.0.0.1:4711/callback')).toBe('loopback')
    expect(classifyRedirectUri('http://localhost/cb')).toBe('loopback')
    expect(classifyRedirectUri('http://[::1]:9/cb')).toBe('loopback')
    expect(classifyRedirectUri('https://vscode.dev/redirect')).toBe('https')
    for (const uri of [
      'http://evil.example/cb',
      'cursor://oauth/callback',
      'javascript:alert(1)',
      'https://a.example/cb#x',
      'https://u:p@a.example/cb',
      'relative/cb',
    ]) {
      expect(() => classifyRedirectUri(uri), uri).toThrow(RedirectUriError)
    }
  })

  it('matches loopback URIs on any port (RFC 8252 §7.3), everything else exactly', () => {
    expect(
      isRegisteredRedirect('http://127.0.0.1:5555/callback', ['http://127.0.0.1/callback']),
    ).toBe(true)
    expect(
      isRegisteredRedirect('http://127.0.0.1:5555/other', ['http://127.0.0.1:1234/callback']),
    ).toBe(false)
    expect(
      isRegisteredRedirect('http://localhost:5555/callback', ['http://127.0.0.1:5555/callback']),
    ).toBe(false)
    expect(isRegisteredRedirect('https://app.example/cb', ['https://app.example/cb'])).toBe(true)
    expect(isRegisteredRedirect('https://app.example:8443/cb', ['https://app.example/cb'])).toBe(
      false,
    )
  })
})

describe('resource and PKCE', () => {
  const authorities = new Set(['127.0.0.1:3000', 'localhost:3000', '[::1]:3000'])

  it('reads the server out of a resource under any of the bridge names, and nothing else', () => {
    expect(serverOfResource('http://localhost:3000/mcp/stripe', authorities)).toBe('stripe')
    expect(serverOfResource('http://127.0.0.1:3000/mcp/stripe/', authorities)).toBe('stripe')
    expect(serverOfResource('http://localhost:3001/mcp/stripe', authorities)).toBeUndefined()
    expect(serverOfResource('https://localhost:3000/mcp/stripe', authorities)).toBeUndefined()
    expect(serverOfResource('http://localhost:3000/other', authorities)).toBeUndefined()
  })

  it('checks S256 (RFC 7636 §4.6) and the verifier alphabet', () => {
    const verifier = 'a'.repeat(43)
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    expect(verifierMatches(verifier, challenge)).toBe(true)
    expect(verifierMatches('b'.repeat(43), challenge)).toBe(false)
    expect(verifierMatches('short', createHash('sha256').update('short').digest('base64url'))).toBe(
      false,
    )
  })
})
