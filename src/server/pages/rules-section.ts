// The dashboard's "Rules" section: per server, its argument rules (each with Remove), open time
// windows (each with End), the tools' plain rules and the server's rule (each with a select to
// change it), whether read-only tools run without asking (with a button to switch), and a form
// to add a rule. Every form posts to /servers/<name>/rules (rule-forms.ts reads it); a refused
// one comes back here as a notice above the server's rules, the add form filled in as it was sent.
import type { BridgeConfig, Policy, ServerEntry, ToolRule } from '../../config/schema.js'
import { POLICIES } from '../../config/schema.js'
import { describeWhenRule } from '../../approvals/rules/when-rules.js'
import { openWindows } from '../../approvals/rules/windows.js'
import { MAX_EXPRESSION_BYTES } from '../../approvals/rules/expression-limits.js'
import { html, type Html } from '../../web/html.js'
import { localTime } from '../../web/local-time.js'
import { command } from '../../cli/commands-named.js'
import { ALL_TOOLS, ruleTools, type RuleNotice, type TypedRule } from './rule-forms.js'

export interface RulesSectionOptions {
  /** The names of the tools the bridge has seen the server list. */
  tools?: (server: string) => string[]
  /** A change just refused, to show with its server. */
  notice?: RuleNotice
}

export function renderRulesSection(
  config: BridgeConfig,
  csrf: string,
  now: number = Date.now(),
  options: RulesSectionOptions = {},
): Html {
  const servers = Object.entries(config.servers)
  if (servers.length === 0) return html``
  return html`<h2 id="rules">Rules</h2>
<p class="muted">A call is decided by the first of: the tool's argument rules in order, an open time window, the tool's rule, read-only tools, the server's rule, ask.</p>
${servers.map(([name, entry]) => serverRules(name, entry, csrf, now, options))}
<p class="muted">See how a call would be decided with <code>${command("policy <server> explain <tool> '<json arguments>'")}</code>.</p>`
}

function serverRules(
  name: string,
  entry: ServerEntry,
  csrf: string,
  now: number,
  options: RulesSectionOptions,
): Html {
  const action = `/servers/${name}/rules`
  const hidden = (change: string) =>
    html`<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="change" value="${change}">`
  const whenRules = Object.entries(entry.whenRules ?? {}).flatMap(([tool, rules]) =>
    rules.map(
      (
        rule,
        index,
      ) => html`<tr class="when-rule"><td><code>${tool}</code></td><td>${rule.policy} ${describeWhenRule(index, rule.when)}</td><td class="muted">first matching rule decides</td>
  <td><form method="post" action="${action}">${hidden('remove-when')}<input type="hidden" name="tool" value="${tool}"><input type="hidden" name="number" value="${index + 1}"><input type="hidden" name="when" value="${rule.when}"><button type="submit">Remove rule #${index + 1} of ${tool}</button></form></td></tr>`,
    ),
  )
  const windows = openWindows(entry, now).map(
    (window) => html`<tr class="window">
  <td><code>${window.tool}</code></td><td class="ok">allow, time window</td>
  <td>until ${localTime(window.until, { now })}</td>
  <td><form method="post" action="/servers/${name}/end-window"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="tool" value="${window.tool}"><button type="submit">End window for ${window.tool}</button></form></td>
</tr>`,
  )
  const changeForm = (
    tool: string,
    label: string,
    current: Policy,
  ) => html`<form method="post" action="${action}">${hidden('set')}<input type="hidden" name="tool" value="${tool}">
    <select name="policy" aria-label="${label}">${policyOptions(current)}</select> <button type="submit">Set</button></form>`
  const toolRules = Object.entries(entry.tools ?? {}).map(
    ([
      tool,
      rule,
    ]) => html`<tr class="tool-rule"><td><code>${tool}</code></td><td>${policyOf(rule)}</td><td class="muted">the tool's rule${typeof rule === 'string' ? '' : rule.approvedDefinition ? ', always allow as approved: a changed tool asks again' : ''}</td>
  <td>${changeForm(tool, `Rule for ${tool}`, policyOf(rule))}</td></tr>`,
  )
  const serverRule = html`<tr class="server-rule"><td class="muted">all tools of the server</td><td>${entry.policy ?? 'ask'}</td><td class="muted">the server's rule${entry.policy ? '' : ' (none set: ask)'}</td>
  <td>${changeForm(ALL_TOOLS, `Rule for all tools of ${name}`, entry.policy ?? 'ask')}</td></tr>`
  const readOnly = html`<tr class="read-only"><td class="muted">tools marked read-only</td>${
    entry.readOnly
      ? html`<td class="ok">run without asking</td><td class="muted">${Object.keys(entry.readOnly.definitions).length} recorded as first seen; a changed one asks again</td>`
      : html`<td>ask</td><td class="muted">off: tools the server marks readOnlyHint are decided like any other</td>`
  }
  <td><form method="post" action="${action}">${hidden('read-only')}<input type="hidden" name="read-only" value="${entry.readOnly ? 'ask' : 'allow'}"><button type="submit">${entry.readOnly ? 'Turn read-only allow off' : 'Turn read-only allow on'}</button></form></td></tr>`
  const notice = options.notice?.server === name ? options.notice : undefined
  return html`<section id="rules-${name}">
<h3>${name}</h3>
${notice ? renderNotice(notice) : ''}
<table><thead><tr><th>Tool</th><th>Rule</th><th>Details</th><th></th></tr></thead><tbody>${[...whenRules, ...windows, ...toolRules, serverRule, readOnly]}</tbody></table>
${addForm(name, entry, csrf, options.tools?.(name) ?? [], notice?.typed)}
</section>`
}

/** With `typed` (a refused rule) the form is filled in again, and focused so the page opens at it. */
function addForm(
  name: string,
  entry: ServerEntry,
  csrf: string,
  seen: string[],
  typed: TypedRule | undefined,
): Html {
  const tools = ruleTools(entry, seen)
  const chosen = typed?.tool ?? ALL_TOOLS
  const policy = typed?.policy ?? 'ask'
  return html`<form method="post" action="/servers/${name}/rules" class="add-rule"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="change" value="add">
<p><label>Tool <select name="tool"><option value="${ALL_TOOLS}"${chosen === ALL_TOOLS ? html` selected` : ''}>all tools of the server</option>${tools.map((tool) => html`<option value="${tool}"${tool === chosen ? html` selected` : ''}>${tool}</option>`)}</select></label>
<label>Policy <select name="policy">${policyOptions(policy)}</select></label></p>
<p><label>When <span class="muted">(optional: a CEL condition on <code>args</code>, <code>tool</code>, <code>server</code>, <code>client</code>, up to ${MAX_EXPRESSION_BYTES / 1024} KB; empty sets the tool's plain rule)</span><br>
<textarea name="when" rows="2" cols="60" spellcheck="false"${typed ? html` autofocus` : ''} placeholder="args.amount &lt;= 20 &amp;&amp; args.currency == &quot;EUR&quot;">${typed?.when ?? ''}</textarea></label></p>
<p><button type="submit">Add rule for ${name}</button>${seen.length === 0 ? html` <span class="muted">The bridge has not seen ${name} list its tools yet; they are offered here once a client has listed them.</span>` : ''}</p>
</form>`
}

function renderNotice(notice: RuleNotice): Html {
  const { problem } = notice
  const where =
    problem.line !== undefined ? ` (line ${problem.line}, column ${problem.column})` : ''
  const reason = `${problem.message.charAt(0).toUpperCase()}${problem.message.slice(1)}${where}`
  return html`<div class="bad rule-problem" role="alert"><p><strong>Not saved.</strong> ${/[.!?]$/.test(reason) ? reason : `${reason}.`}</p>${problem.pointer ? html`<pre>${problem.pointer}</pre>` : ''}<p class="muted">config.json was left as it was.</p></div>`
}

function policyOptions(current: string): Html[] {
  return POLICIES.map(
    (policy) =>
      html`<option value="${policy}"${policy === current ? html` selected` : ''}>${policy}</option>`,
  )
}

function policyOf(rule: ToolRule): Policy {
  return typeof rule === 'string' ? rule : rule.policy
}
