import { describe, expect, it } from 'vitest'
import { escapeHtml, renderConsentPage, renderConsentProblem } from './consent-page.js'

const VIEW = {
  clientName: '"><script>alert(1)</script>',
  clientId: "id'&<",
  redirectUri: 'http://127.0.0.1:5000/callback?x=<b>',
  resourceName: 'Demo MCP server',
  resource: 'http://127.0.0.1:4000/mcp',
  scopes: [{ name: '<s>', description: '<d>' }],
  requestId: 'req"id',
  csrfToken: 'tok"en',
  formAction: '/consent',
}

describe('consent page', () => {
  it('escapes every value a client or request controls', () => {
    const { html } = renderConsentPage(VIEW)
    expect(html).not.toMatch(/<script|<s>|<d>|<b>|value="req"|value="tok"/)
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('id&#39;&amp;&lt;')
  })

  it('falls back to the client id when the client gave no name', () => {
    expect(renderConsentPage({ ...VIEW, clientName: '  ' }).html).toContain(
      '<span class="client">id&#39;&amp;&lt;</span>',
    )
  })

  it('allows no script, no framing, and posts only to itself and the redirect origin', () => {
    const { headers, html } = renderConsentPage(VIEW)
    const csp = headers['content-security-policy'] ?? ''
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1]
    expect(html).toContain(`<style nonce="${nonce}">`)
    expect(csp).toMatch(/^default-src 'none'; /)
    expect(csp).toContain("form-action 'self' http://127.0.0.1:5000;")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(headers['referrer-policy']).toBe('same-origin')
    expect(renderConsentProblem('<t>', '<m>').html).not.toMatch(/<t>|<m>/)
  })

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;')
  })
})
