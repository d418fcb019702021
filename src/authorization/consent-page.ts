// The consent page: which client asks, for which server, where the answer goes, and a choice
// of this server only or every server. Everything shown comes from the client (its name, its
// redirect URI) and is escaped; a registered name is the client's own claim and the page says
// so. Like every page of the bridge it carries no script and cannot be framed.
import { html, page, PAGE_HEADERS } from '../web/html.js'
import type { PendingAuthorization } from './pending.js'
import { command } from '../cli/commands-named.js'

export const CONSENT_PATH = '/authorize/consent'

export function renderConsentPage(
  pending: PendingAuthorization,
  csrf: string,
): { body: string; headers: Record<string, string> } {
  const { client, server } = pending
  const target = server ?? "this bridge's servers"
  const redirect = new URL(pending.redirectUri)
  const origin =
    redirect.protocol === 'https:'
      ? html`<p class="bad"><strong>Warning:</strong> this address is not on this computer. Allowing hands access to <code>${redirect.origin}</code> on the network. Allow only if you trust that site and just started this from it.</p>`
      : html`<p class="muted">This address is on this computer (a program's own listener).</p>`
  const provenance =
    client.source === 'metadata-document'
      ? html`The name comes from the client's metadata document at <code>${new URL(client.clientId).host}</code>.`
      : html`The client chose this name itself when it registered with the bridge; any program on this computer can register under any name. Allow only if you just started a login in ${client.clientName}.`
  const choices = server
    ? html`<p><label><input type="radio" name="reach" value="server" checked> Only <strong>${server}</strong> (<code>/mcp/${server}</code>)</label><br>
<label><input type="radio" name="reach" value="all"> All servers of this bridge, including ones added later</label></p>`
    : html`<p>The client did not say which server it wants, so this allows <strong>all servers</strong> of this bridge, including ones added later.</p><input type="hidden" name="reach" value="all">`
  const body = page(
    `Allow ${client.clientName}?`,
    html`<h1>Allow ${client.clientName} to use ${target} through this bridge?</h1>
<p>${provenance}</p>
<table>
<tr><th>Client</th><td><strong>${client.clientName}</strong><br><code class="muted">${client.clientId}</code></td></tr>
<tr><th>Server</th><td>${server ? html`<strong>${server}</strong>` : 'not named'}</td></tr>
<tr><th>After you answer</th><td>this browser goes to <code>${pending.redirectUri}</code>${origin}</td></tr>
</table>
<form method="post" action="${CONSENT_PATH}">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="request" value="${pending.id}">
${choices}
<p class="muted">The client gets its own token, valid for an hour and renewed while you let it; tool calls still pass your approval policy. Revoke it any time on the dashboard or with <code>${command('clients revoke')}</code>.</p>
<p><button type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny">Deny</button></p>
</form>`,
  )
  return { body, headers: consentHeaders(redirect) }
}

/**
 * The page's headers, with form-action naming the redirect URI's origin too: browsers apply
 * form-action to the redirect that follows a form submission (CSP Level 3 §6.4.2). The origin
 * is safe in a header: redirect-uris.ts admits only http(s) URLs, and URL parsing normalised it.
 */
function consentHeaders(redirect: URL): Record<string, string> {
  return {
    ...PAGE_HEADERS,
    'content-security-policy': PAGE_HEADERS['content-security-policy'].replace(
      "form-action 'self'",
      `form-action 'self' ${redirect.origin}`,
    ),
  }
}

export function renderSignInNeeded(pending: PendingAuthorization): string {
  return page(
    'Sign in to the bridge',
    html`<h1>Sign in to the bridge to answer ${pending.client.clientName}</h1>
<p>${pending.client.clientName} asks to use ${pending.server ?? "this bridge's servers"}. Only the bridge's owner may answer, so sign in first: open the one-time login link the bridge printed when it started, <strong>in this browser</strong>. You will come back to this request right after.</p>
<p>If that link was used already, run <code>${command('open')}</code> (it opens your default browser) or <code>${command('open --no-browser')}</code> to print a fresh link to paste here.</p>
<p class="muted">This request waits for ${Math.round((pending.expiresAt - Date.now()) / 60_000)} minutes; after that, start the login again from the client.</p>`,
  )
}
