import { describe, expect, it } from 'vitest'
import { html } from './html.js'

describe('html template', () => {
  it('escapes every interpolated value, in text and attributes', () => {
    const hostile = '<img src=x onerror=alert(1)>"\'&'
    const out = html`<p title="${hostile}">${hostile}</p>`.text
    expect(out).not.toContain('<img')
    expect(out).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;">&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;</p>',
    )
  })

  it('passes nested templates and lists through unescaped once', () => {
    const items = ['a<', 'b>'].map((item) => html`<li>${item}</li>`)
    expect(html`<ul>${items}</ul>`.text).toBe('<ul><li>a&lt;</li><li>b&gt;</li></ul>')
  })
})
