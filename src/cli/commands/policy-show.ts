// What `policy <server>` and `policy <server> explain` print: the rules as they stand, and for
// one call each rule tried, in the bridge's order, with its result.
import type { ServerEntry } from '../../config/schema.js'
import { decide } from '../../approvals/policy.js'
import { describeEnd } from '../../approvals/rules/duration.js'
import { compiledWhenRules } from '../../approvals/rules/when-rules.js'
import { openWindows } from '../../approvals/rules/windows.js'
import { quote } from '../../errors.js'
import type { CliContext } from '../context.js'

export function showRules(ctx: CliContext, name: string, entry: ServerEntry): void {
  const now = Date.now()
  const say = (line: string) => ctx.out.result(line)
  say(`${name}`)
  say(`  server rule: ${entry.policy ?? 'ask (default)'}`)
  say(
    `  read-only tools: ${entry.readOnly ? `allow (${Object.keys(entry.readOnly.definitions).length} tools recorded as first seen; a changed one asks again)` : 'ask (off)'}`,
  )
  const windows = openWindows(entry, now)
  const tools = new Set([
    ...Object.keys(entry.whenRules ?? {}),
    ...windows.map((window) => window.tool),
    ...Object.keys(entry.tools ?? {}),
  ])
  for (const tool of [...tools].sort()) {
    say(`  ${tool}`)
    for (const [index, rule] of compiledWhenRules(entry, tool).entries()) {
      const broken = rule.compiled.ok
        ? ''
        : `   (does not compile, so it asks: ${rule.compiled.problem.message})`
      say(
        `    when #${index + 1} ${rule.policy.padEnd(5)} ${rule.source.replace(/\s+/g, ' ')}${broken}`,
      )
    }
    const window = windows.find((open) => open.tool === tool)
    if (window) {
      say(
        `    window: allow until ${describeEnd(window.until, now)}${window.bound ? '' : ', not bound to a definition'}`,
      )
      say(`      end it now with: mcp-oauth-bridge policy ${name} ${tool} end-window`)
    }
    const rule = entry.tools?.[tool]
    if (rule !== undefined)
      say(
        `    tool rule: ${typeof rule === 'string' ? rule : `${rule.policy}${rule.approvedDefinition ? ' (always allow, bound to the definition approved)' : ''}`}`,
      )
  }
  ctx.out.progress(
    `Order: argument rules (first match) → open window → tool rule → read-only → server rule → ask. Try a call with: mcp-oauth-bridge policy ${name} explain <tool> '<json arguments>'`,
  )
}

export function explainCall(
  ctx: CliContext,
  name: string,
  entry: ServerEntry,
  tool: string,
  args: unknown,
  client: string,
): void {
  const verdict = decide(entry, { tool, arguments: args, server: name, client })
  ctx.out.result(
    `${quote(tool)} on ${quote(name)} with ${JSON.stringify(args)}${client ? ` from ${quote(client)}` : ''}:`,
  )
  verdict.steps.forEach((step, index) => {
    ctx.out.result(
      `  ${index + 1}. ${step.rule}: ${step.result}${step.decided ? `  ← decides ${step.decided}` : ''}`,
    )
  })
  ctx.out.result(`Decision: ${verdict.policy}, by ${verdict.rule}.`)
  // The command line has no tool definitions; the running bridge also checks a window's or an
  // always-allow's binding to the definition the person saw, and each tool's read-only hint.
  if (entry.windows?.[tool] || entry.readOnly || typeof entry.tools?.[tool] === 'object') {
    ctx.out.progress(
      'The running bridge also checks that the tool is still defined as when it was approved; a changed definition asks.',
    )
  }
}
