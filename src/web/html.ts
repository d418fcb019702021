// HTML built from values that come from users and servers (names, URLs, error messages):
// everything interpolated is escaped unless it is itself an Html value made here.

export class Html {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
  toString(): string {
    return this.text
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ESCAPES[char] as string)
}

/** A tagged template: `html\`<p>${untrusted}</p>\`` escapes `untrusted`; arrays and Html pass through. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '')
  })
  return new Html(out)
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === undefined || value === null || value === false) return ''
  return escapeHtml(value)
}

/**
 * Headers for every page: no scripts at all, no framing, no Referer to other sites (it would
 * carry paths and, before its redirect, the login link). `same-origin` rather than
 * `no-referrer`: under no-referrer Chromium sends `Origin: null` with the pages' own form POSTs.
 */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const

export function page(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; color: #1d1d1f; }
  h1 { font-size: 1.4rem; } table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid #e3e3e6; vertical-align: top; }
  th { font-weight: 600; color: #555; } code { font-size: .9em; word-break: break-all; }
  .ok { color: #137333; } .warn { color: #a15c00; } .bad { color: #b3261e; }
  button { font: inherit; padding: .25rem .8rem; border-radius: 6px; border: 1px solid #999; background: #fff; cursor: pointer; }
  .muted { color: #666; font-size: .9em; }
</style></head>
<body>${body}</body></html>`.text
}
