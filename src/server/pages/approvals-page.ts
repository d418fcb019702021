// The approvals page: a static shell (this file) and a script, templates/approvals.js, that
// follows the held calls live over SSE and draws them. Everything a call carries (server and
// tool names, descriptions, arguments, client names) comes from untrusted parties, so the
// script builds the DOM with textContent only, and the CSP allows no inline script at all.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { html, PAGE_HEADERS } from '../../web/html.js'
import { command } from '../../cli/commands-named.js'

export const APPROVALS_PAGE_HEADERS: Record<string, string> = {
  ...PAGE_HEADERS,
  'content-security-policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
}

// Same depth from src/server/pages/ and dist/server/pages/: the package root's templates/.
const SCRIPT_FILE = fileURLToPath(new URL('../../../templates/approvals.js', import.meta.url))

let scriptBody: string | undefined

function loadScript(): string {
  try {
    scriptBody ??= readFileSync(SCRIPT_FILE, 'utf8')
    return scriptBody
  } catch {
    // A broken installation: say so on the page instead of showing an empty list forever.
    return `document.getElementById('banner').hidden = false;\ndocument.getElementById('banner').textContent = ${JSON.stringify(`This installation is missing ${SCRIPT_FILE}; reinstall mcp-oauth-bridge, or decide from the terminal with: ${command('approvals')}`)};\n`
  }
}

/** Served at `path`; read from templates/approvals.js the first time it is asked for. */
export const APPROVALS_SCRIPT: { readonly path: string; readonly body: string } = {
  path: '/approvals/app.js',
  get body(): string {
    return loadScript()
  },
}

export const APPROVALS_TITLE = 'Approvals · mcp-oauth-bridge'

export function renderApprovalsPage(csrf: string): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${csrf}">
<title>${APPROVALS_TITLE}</title>
<style>${STYLE}</style>
<script src="${APPROVALS_SCRIPT.path}" defer></script>
</head>
<body>
<div class="wrap">
  <header class="top">
    <div>
      <h1 id="heading" tabindex="-1">Approvals</h1>
      <p class="summary" id="summary">Connecting to the bridge…</p>
    </div>
    <div class="top-actions">
      <span class="conn" id="connection" role="status"><span class="dot" aria-hidden="true"></span><span id="connection-text">Connecting…</span></span>
      <button type="button" class="quiet" id="notify" hidden>Notify me</button>
      <span class="muted small" id="notify-state" hidden></span>
      <a class="quiet-link" href="/">Dashboard</a>
    </div>
  </header>
  <p class="banner" id="banner" role="alert" hidden></p>
  <main>
    <section id="calls" class="calls" aria-label="Calls waiting for your decision"></section>
    <div class="empty" id="empty" hidden>
      <p class="empty-title">Nothing is waiting for you.</p>
      <p class="muted">Tool calls whose policy is <code>ask</code> appear here the moment a client makes them, and wait until you approve or deny them.</p>
    </div>
    <noscript><p class="banner">This page needs JavaScript to show held calls live. From a terminal: <code>${command('approvals')}</code>.</p></noscript>
  </main>
  <section class="recent" id="recent-section" aria-labelledby="recent-heading" hidden>
    <h2 id="recent-heading">Recently settled</h2>
    <ol id="recent"></ol>
  </section>
  <div class="sr-only" id="announcer" aria-live="polite"></div>
</div>
</body></html>`.text
}

const STYLE = html`
:root {
  color-scheme: light dark;
  --bg: #f5f5f7; --card: #ffffff; --text: #1d1d1f; --muted: #6b6b70; --border: #e1e1e6;
  --code-bg: #f6f7f9; --code-border: #e8e9ed; --badge-bg: #eceef3; --badge-text: #3a3f4b;
  --approve: #1a7f37; --approve-hover: #15692d; --deny: #b42318; --deny-bg-hover: #fdf0ef;
  --warn-bg: #fff8e6; --warn-border: #eec26a; --warn-text: #6b4a00;
  --error: #b42318; --focus: #2f6feb; --live: #1a7f37; --off: #b42318; --pending: #b7791f;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #151517; --card: #1f1f22; --text: #ececef; --muted: #a0a0a8; --border: #34343a;
    --code-bg: #18181b; --code-border: #2e2e34; --badge-bg: #2c2f36; --badge-text: #d5d9e2;
    --approve: #2ea043; --approve-hover: #3fb950; --deny: #f47067; --deny-bg-hover: #2d1a19;
    --warn-bg: #2b2414; --warn-border: #7a5b16; --warn-text: #f0d48a;
    --error: #f47067; --focus: #58a6ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.wrap { max-width: 66rem; margin: 0 auto; padding: 1.25rem 1.25rem 4rem; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
code { font-size: .9em; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }

.top { display: flex; justify-content: space-between; align-items: flex-start; gap: 1rem; flex-wrap: wrap; margin-bottom: 1.1rem; }
h1 { font-size: 1.5rem; line-height: 1.2; margin: 0; font-weight: 650; }
h1:focus { outline: none; }
.summary { margin: .25rem 0 0; color: var(--muted); }
.top-actions { display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; }
.conn { display: inline-flex; align-items: center; gap: .4rem; font-size: .85rem; color: var(--muted); }
.dot { width: .55rem; height: .55rem; border-radius: 50%; background: var(--pending); }
.conn[data-state="live"] .dot { background: var(--live); }
.conn[data-state="offline"] .dot { background: var(--off); }
.quiet-link { color: var(--muted); font-size: .85rem; }

button { font: inherit; font-size: .92rem; font-weight: 560; border-radius: 8px; padding: .4rem 1rem; cursor: pointer; border: 1px solid var(--border); background: var(--card); color: var(--text); }
button:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
button:disabled { cursor: default; opacity: .55; }
button.quiet { padding: .3rem .75rem; font-size: .85rem; }
button.approve { background: var(--approve); border-color: var(--approve); color: #fff; }
button.approve:hover:not(:disabled) { background: var(--approve-hover); border-color: var(--approve-hover); }
button.deny { color: var(--deny); border-color: var(--deny); }
button.deny:hover:not(:disabled) { background: var(--deny-bg-hover); }
button.always { margin-left: auto; font-weight: 500; font-size: .86rem; color: var(--muted); white-space: nowrap; padding-left: .6rem; padding-right: .6rem; }
button.always:hover:not(:disabled) { color: var(--text); }

.banner { background: var(--warn-bg); border: 1px solid var(--warn-border); color: var(--warn-text); border-radius: 10px; padding: .7rem 1rem; margin: 0 0 1rem; }

.card { background: var(--card); border: 1px solid var(--border); border-radius: 12px; padding: .9rem 1.25rem 1rem; margin: 0 0 .9rem; box-shadow: 0 1px 2px rgba(16, 24, 40, .04); }
.card.settled { opacity: .6; }
.card-head { display: flex; justify-content: space-between; align-items: baseline; gap: .4rem 1.5rem; flex-wrap: wrap; }
.what { display: flex; align-items: baseline; gap: .5rem; min-width: 0; flex-wrap: wrap; }
.card-head .meta { margin: 0; text-align: right; max-width: 100%; }
.server { background: var(--badge-bg); color: var(--badge-text); border-radius: 999px; padding: .1rem .6rem; font-size: .8rem; font-weight: 600; overflow-wrap: anywhere; }
.card h2 { font-size: 1.1rem; margin: 0; font-weight: 650; overflow-wrap: anywhere; }
.waited { color: var(--muted); font-size: .85rem; white-space: nowrap; font-variant-numeric: tabular-nums; }
.desc { margin: .3rem 0 0; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 9.5em; overflow: auto; }
.desc.none { color: var(--muted); font-style: italic; }
.meta { font-size: .85rem; color: var(--muted); overflow-wrap: anywhere; }
.meta strong { color: var(--text); font-weight: 560; }
.label { display: block; margin: .65rem 0 .25rem; font-size: .78rem; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: var(--muted); }
pre { margin: 0; background: var(--code-bg); border: 1px solid var(--code-border); border-radius: 8px; padding: .65rem .8rem; font-size: 13px; line-height: 1.45; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 18rem; overflow: auto; }
pre:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.main { min-width: 0; }
.actions { display: flex; align-items: center; gap: .6rem; margin-top: .85rem; flex-wrap: wrap; }
@media (min-width: 48rem) {
  .card { display: grid; grid-template-columns: minmax(0, 1fr) 13rem; column-gap: 1.25rem; }
  .actions { flex-direction: column; align-items: stretch; flex-wrap: nowrap; margin-top: 0; padding-left: 1.25rem; border-left: 1px solid var(--border); }
  .actions .status { text-align: center; }
  button.always { margin: auto 0 0; }
}
.status { font-size: .88rem; color: var(--muted); }
.error { color: var(--error); margin: .6rem 0 0; font-size: .9rem; }
.edit-toggle { margin-top: .45rem; }
.editor textarea { display: block; width: 100%; min-height: 6rem; resize: vertical; font-size: 13px; line-height: 1.45; background: var(--code-bg); color: var(--text); border: 1px solid var(--code-border); border-radius: 8px; padding: .6rem .8rem; }
.editor textarea:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.editor textarea[aria-invalid="true"] { border-color: var(--error); }
.editor .schema-note { margin: .3rem 0 0; }
.edit-errors { margin: .35rem 0 0; padding-left: 1.2rem; color: var(--error); font-size: .88rem; }
.edit-errors code { overflow-wrap: anywhere; }
.editor-actions { display: flex; gap: .6rem; margin-top: .6rem; }

.notice { margin: .8rem 0 0; background: var(--warn-bg); border: 1px solid var(--warn-border); border-radius: 10px; padding: .7rem .9rem; color: var(--warn-text); }
.notice strong { display: block; }
.notice p { margin: .2rem 0 0; }
.compare { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; margin-top: .6rem; color: var(--text); }
.compare h3 { font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; color: var(--warn-text); margin: 0 0 .25rem; }
.compare .desc { margin: 0 0 .4rem; }
.compare pre { max-height: 12rem; background: var(--card); }
@media (max-width: 40rem) { .compare { grid-template-columns: 1fr; } button.always { margin-left: 0; } }

.empty { background: var(--card); border: 1px dashed var(--border); border-radius: 12px; padding: 2.25rem 1.5rem; text-align: center; }
.empty p { margin: .25rem 0; }
.empty-title { font-size: 1.1rem; font-weight: 600; }

.recent { margin-top: 2rem; }
.recent h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 .4rem; font-weight: 600; }
.recent ol { list-style: none; margin: 0; padding: 0; font-size: .88rem; color: var(--muted); }
.recent li { padding: .2rem 0; overflow-wrap: anywhere; }
.recent time { font-variant-numeric: tabular-nums; margin-right: .5rem; }
`
