// The dashboard's "Connected clients" table: who holds a grant, for what, when it last came, and
// a Revoke button (a form POST with the session's CSRF token, like the dashboard's others).
import { html, type Html } from '../web/html.js'
import { localTime } from '../web/local-time.js'
import { command } from '../cli/commands-named.js'
import { describeReach, type ConnectedClient } from './connected-clients.js'

export const REVOKE_FORM_PATH = '/clients/revoke'

export function renderClientsSection(
  clients: ConnectedClient[],
  csrf: string,
  now: number = Date.now(),
): Html {
  const rows = clients.map(
    (client) => html`<tr>
  <td><strong>${client.clientName}</strong><br><span class="muted">${client.source === 'metadata-document' ? 'metadata document' : 'registered here'}</span></td>
  <td><code>${client.clientId}</code></td>
  <td>${describeReach(client.servers)}</td>
  <td>${client.lastUsedAt ? localTime(client.lastUsedAt, { now }) : html`<span class="muted">not yet</span>`}</td>
  <td><form method="post" action="${REVOKE_FORM_PATH}"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="client_id" value="${client.clientId}"><button type="submit">Revoke</button></form></td>
</tr>`,
  )
  return html`<h2>Connected clients</h2>
${
  rows.length
    ? html`<table><thead><tr><th>Client</th><th>Client id</th><th>Servers</th><th>Last use</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="muted">No client has logged in to the bridge yet. Clients that do OAuth connect to <code>/mcp/&lt;name&gt;</code> with no header and ask you here first; others use the header <code>${command('connect --token')}</code> prints.</p>`
}`
}
