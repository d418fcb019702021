// The dashboard at `/`: every server with its URL, token state and expiry, last error, and a
// Re-authorize button. Pages carry no script; actions are plain form POSTs that need the
// session's CSRF token, and the guard has already refused foreign Hosts and Origins (it lets
// `Origin: null` through to here, where only the right CSRF token gets a form accepted).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { BridgeConfig } from '../../config/schema.js'
import type { TokenStore } from '../../tokens/store.js'
import { describeServer } from '../../tokens/status.js'
import { constantTimeEqual } from '../../web/constant-time.js'
import { html, page, type Html } from '../../web/html.js'
import { send, sendLoginNeeded, sendNotFound } from '../../web/page-responses.js'
import { sessionCookie, type PageSessions } from '../../web/sessions.js'
import { renderRulesSection } from './rules-section.js'
import {
  submitRuleForm,
  RULE_FORM_MAX_BYTES,
  type RuleFormsOptions,
  type RuleNotice,
} from './rule-forms.js'
import { ownEntry } from '../../approvals/own-entry.js'
import { quote } from '../../errors.js'
import { localTime } from '../../web/local-time.js'
import { publicHostLocation } from '../public-host.js'
import { addServerHint, command, freshLoginLinkHint } from '../../cli/commands-named.js'
import { readForm } from '../../web/form.js'

export interface LastError {
  message: string
  at: number
}

export interface DashboardOptions {
  config: () => BridgeConfig
  store: TokenStore
  sessions: PageSessions
  /** False with --no-auth: the pages need no login then (the Host/Origin guard still applies). */
  accessRequired: () => boolean
  lastErrors: ReadonlyMap<string, LastError>
  /** Starts a login for `name` and resolves with the URL the person's browser must open. */
  reauthorize: (name: string) => Promise<string>
  /** Ends a tool's time window now; false when it had none open. */
  endWindow?: (server: string, tool: string) => Promise<boolean>
  /** The Rules section's forms: the tools seen per server, and the write of a change. */
  rules?: RuleFormsOptions
  /** The "Connected clients" section (clients that logged in to the bridge), given this page's CSRF token. */
  clientsSection?: (csrf: string) => Promise<Html>
  /** Where a fresh login continues instead of `/` (a client's authorization waiting for consent). */
  afterLogin?: (req: IncomingMessage) => string | undefined
}

export function createDashboard(
  options: DashboardOptions,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  return async (req, res, url) => {
    if (req.method === 'GET' && url.pathname === '/') {
      const nonce = url.searchParams.get('login')
      if (nonce !== null) {
        // The session cookie is set for `localhost` only: a link opened as 127.0.0.1 goes there
        // first, and its nonce is spent when it arrives.
        if (redirectToPublicHost(req, res, url)) return
        const session = options.sessions.redeem(nonce)
        if (!session) {
          send(
            res,
            403,
            page(
              'Login link used',
              html`<h1>This login link was already used or is not valid</h1><p>Each link works once. ${freshLoginLinkHint()}</p>`,
            ),
          )
          return
        }
        // Drop the nonce from the address bar and history at once.
        res
          .writeHead(303, {
            location: options.afterLogin?.(req) ?? '/',
            'set-cookie': sessionCookie(session),
            'cache-control': 'no-store',
            'referrer-policy': 'no-referrer',
          })
          .end()
        return
      }
      const csrf = csrfFor(req)
      // Signed out here may mean signed in on `localhost`, whose cookie this host name never gets.
      if (csrf === undefined)
        return redirectToPublicHost(req, res, url) ? undefined : sendSignedOutPage(req, res, url)
      send(res, 200, page('mcp-oauth-bridge', await dashboardBody(options, csrf)))
      return
    }
    const action = /^\/servers\/([A-Za-z0-9_-]+)\/reauthorize$/.exec(url.pathname)
    if (req.method === 'POST' && action) {
      const csrf = csrfFor(req)
      if (csrf === undefined) return sendLoginNeeded(res)
      const form = await readForm(req)
      if (!form || !constantTimeEqual(form.get('csrf') ?? '', csrf)) {
        send(
          res,
          403,
          page(
            'Refused',
            html`<h1>Refused</h1><p>This form did not come from the dashboard. <a href="/">Back to the dashboard</a></p>`,
          ),
        )
        return
      }
      const name = action[1] as string
      try {
        const authorizationUrl = await options.reauthorize(name)
        send(
          res,
          200,
          page(
            'Continue to log in',
            html`<meta http-equiv="refresh" content="0;url=${authorizationUrl}">
<h1>Continue to log in to ${name}</h1><p><a href="${authorizationUrl}">Open the login page</a>. When it is done, come back to <a href="/">the dashboard</a>.</p>`,
          ),
        )
      } catch (error) {
        send(
          res,
          502,
          page(
            'Login failed',
            html`<h1>Could not start the login for ${name}</h1><p class="bad">${(error as Error).message}</p><p><a href="/">Back to the dashboard</a></p>`,
          ),
        )
      }
      return
    }
    const endWindow = /^\/servers\/([A-Za-z0-9_-]+)\/end-window$/.exec(url.pathname)
    if (req.method === 'POST' && endWindow && options.endWindow) {
      const csrf = csrfFor(req)
      if (csrf === undefined) return sendLoginNeeded(res)
      const form = await readForm(req)
      const tool = form?.get('tool')
      if (!form || !constantTimeEqual(form.get('csrf') ?? '', csrf) || !tool) {
        send(
          res,
          403,
          page(
            'Refused',
            html`<h1>Refused</h1><p>This form did not come from the dashboard. <a href="/">Back to the dashboard</a></p>`,
          ),
        )
        return
      }
      await options.endWindow(endWindow[1] as string, tool)
      // Back to the dashboard, which no longer lists the window (ended now, or already over).
      res.writeHead(303, { location: '/', 'cache-control': 'no-store' }).end()
      return
    }
    const rules = /^\/servers\/([A-Za-z0-9_-]+)\/rules$/.exec(url.pathname)
    if (req.method === 'POST' && rules && options.rules) {
      const csrf = csrfFor(req)
      if (csrf === undefined) return sendLoginNeeded(res)
      const form = await readForm(req, RULE_FORM_MAX_BYTES)
      if (!form || !constantTimeEqual(form.get('csrf') ?? '', csrf)) {
        send(
          res,
          403,
          page(
            'Refused',
            html`<h1>Refused</h1><p>This form did not come from the dashboard, or it was larger than ${RULE_FORM_MAX_BYTES / 1024} KB. <a href="/">Back to the dashboard</a></p>`,
          ),
        )
        return
      }
      const name = rules[1] as string
      // Looked up as an own entry: a name such as __proto__ must find no server, not Object.prototype.
      const entry = ownEntry(options.config().servers, name)
      // The dashboard shows a refusal beside the server's rules, which a server that is not there has none of.
      if (!entry)
        return send(
          res,
          404,
          page(
            'Rule not saved',
            html`<h1>Rule not saved</h1><p class="bad">There is no server named ${quote(name)}. Nothing was changed.</p><p><a href="/">Back to the dashboard</a></p>`,
          ),
        )
      const notice = await submitRuleForm(options.rules, entry, name, form)
      // Refused: the dashboard again, the reason beside the server's rules and the form as it was sent.
      if (notice)
        return send(res, 400, page('Rule not saved', await dashboardBody(options, csrf, notice)))
      res.writeHead(303, { location: `/#rules-${name}`, 'cache-control': 'no-store' }).end()
      return
    }
    sendNotFound(res)
  }

  function csrfFor(req: IncomingMessage): string | undefined {
    return options.sessions.csrfFor(req, options.accessRequired())
  }
}

async function dashboardBody(
  options: DashboardOptions,
  csrf: string,
  notice?: RuleNotice,
): Promise<Html> {
  const config = options.config()
  const secrets = await options.store.all()
  const now = Date.now()
  const rows = Object.entries(config.servers).map(([name, entry]) => {
    const status = describeServer(name, entry, secrets[name], now)
    const error = options.lastErrors.get(name)
    const tone =
      status.state === 'ready' || status.state === 'open'
        ? 'ok'
        : status.state === 'expired'
          ? 'warn'
          : 'bad'
    return html`<tr>
  <td><strong>${name}</strong><br><code class="muted">/mcp/${name}</code></td>
  <td><code>${entry.url}</code></td>
  <td class="${tone}">${status.detail}${status.expiresAt ? html`<br><span class="muted">until ${localTime(Date.parse(status.expiresAt), { now })}</span>` : ''}</td>
  <td>${status.policy}</td>
  <td>${error ? html`<span class="bad">${error.message}</span><br><span class="muted">${localTime(error.at, { now })}</span>` : html`<span class="muted">none</span>`}</td>
  <td>${entry.auth === 'none' ? '' : html`<form method="post" action="/servers/${name}/reauthorize"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Re-authorize</button></form>`}</td>
</tr>`
  })
  return html`<h1>mcp-oauth-bridge</h1>
<p><a href="/approvals">Approvals</a> <span class="muted">· tool calls with policy "ask" wait there for your decision</span></p>
${
  rows.length
    ? html`<table><thead><tr><th>Server</th><th>Upstream URL</th><th>Token</th><th>Policy</th><th>Last error</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p>No servers yet. ${addServerHint()} It appears here without a restart.</p>`
}
${renderRulesSection(config, csrf, now, { ...(options.rules ? { tools: options.rules.tools } : {}), ...(notice ? { notice } : {}) })}
${options.clientsSection ? await options.clientsSection(csrf) : ''}
<p class="muted">Clients connect to <code>/mcp/&lt;name&gt;</code>; <code>${command('connect <name>')}</code> prints the exact URL and header.</p>`
}

/**
 * A page GET that named another loopback host than `localhost` is sent there (same path and
 * query), so the session cookie, which belongs to one host name, applies. Used only where the
 * request has no session here: a request that has one (a program holding a cookie) is served
 * where it asked. True when redirected.
 */
export function redirectToPublicHost(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const location = publicHostLocation(req.headers.host, `${url.pathname}${url.search}`)
  if (!location) return false
  res
    .writeHead(307, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
    .end()
  return true
}

/**
 * A page GET without a session. Arriving from another site (the provider's return page at
 * 127.0.0.1:<callback port> links here), a SameSite=Strict cookie is not sent, so a signed-in
 * browser would be told to sign in: the page loads itself again instead, a same-site request
 * that carries the cookie. Only GETs, which change nothing, get this; forms still need the
 * cookie and the CSRF token. A browser that is really signed out ends on the login-needed page.
 */
export function sendSignedOutPage(req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (req.headers['sec-fetch-site'] !== 'cross-site') return sendLoginNeeded(res)
  const again = `${url.pathname}${url.search}`
  send(
    res,
    200,
    page(
      'Opening…',
      html`<meta http-equiv="refresh" content="0;url=${again}"><p><a href="${again}">Continue</a></p>`,
    ),
  )
}

/** The guard's refusal, for a person at a page: what was refused and how to get in properly. */
export function sendRefused(res: ServerResponse, reason: string | undefined): void {
  send(
    res,
    403,
    page(
      'Refused',
      html`<h1>The bridge refused this request</h1>
<p class="bad">${sentence(reason ?? "it did not come from the bridge's own pages")}.</p>
<p>Use the bridge from its own address: open the dashboard through a one-time login link (<code>${command('open')}</code> opens it, <code>${command('start --open')}</code> does at start-up), and press its buttons there. A form sent from another site or another local address is always refused.</p>`,
    ),
  )
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
