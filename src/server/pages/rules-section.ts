// The dashboard's "Rules" section: per server, whether read-only tools run without asking, the
// argument rules, and each open time window with its end and a button to end it now.
import type { BridgeConfig } from '../../config/schema.js'
import { describeWhenRule } from '../../approvals/rules/when-rules.js'
import { openWindows } from '../../approvals/rules/windows.js'
import { html, type Html } from '../../web/html.js'
import { localTime } from '../../web/local-time.js'
import { command } from '../../cli/commands-named.js'

export function renderRulesSection(config: BridgeConfig, csrf: string, now: number = Date.now()): Html {
  const rows = Object.entries(config.servers).flatMap(([name, entry]) => {
    const readOnly = entry.readOnly
      ? html`<tr><td><strong>${name}</strong></td><td class="muted">tools marked read-only</td><td class="ok">run without asking</td><td class="muted">${Object.keys(entry.readOnly.definitions).length} recorded as first seen; a changed one asks again</td><td></td></tr>`
      : html`<tr><td><strong>${name}</strong></td><td class="muted">tools marked read-only</td><td>ask</td><td class="muted">off (<code>${command(`policy ${name} read-only allow`)}</code>)</td><td></td></tr>`
    const windows = openWindows(entry, now).map((window) => html`<tr class="window">
  <td><strong>${name}</strong></td><td><code>${window.tool}</code></td><td class="ok">allow, time window</td>
  <td>until ${localTime(window.until, { now })}</td>
  <td><form method="post" action="/servers/${name}/end-window"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="tool" value="${window.tool}"><button type="submit">End window for ${window.tool}</button></form></td>
</tr>`)
    const whenRules = Object.entries(entry.whenRules ?? {}).flatMap(([tool, rules]) =>
      rules.map((rule, index) => html`<tr><td><strong>${name}</strong></td><td><code>${tool}</code></td><td>${rule.policy} ${describeWhenRule(index, rule.when)}</td><td class="muted">first matching rule decides</td><td></td></tr>`))
    return [readOnly, ...whenRules, ...windows]
  })
  if (rows.length === 0) return html``
  return html`<h2>Rules</h2>
<table><thead><tr><th>Server</th><th>Tool</th><th>Rule</th><th>Details</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<p class="muted">See how a call would be decided with <code>${command("policy <server> explain <tool> '<json arguments>'")}</code>.</p>`
}
