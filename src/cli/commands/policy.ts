// `policy`: what happens to a tool call. A running bridge applies every change at once.
//   policy <server>                                   the server's rules, windows and read-only switch
//   policy <server> allow|ask|deny                    the server's rule
//   policy <server> <tool> allow|ask|deny             the tool's plain rule
//   policy <server> <tool> clear                      drops it: the tool follows the server's rule
//   policy <server> <tool> allow --for 1h             a time window; the plain rule is back after it
//   policy <server> <tool> end-window                 ends that window now
//   policy <server> <tool> allow|ask|deny --when CEL  an argument rule (first match wins)
//   policy <server> <tool> --remove-when <n>          drops argument rule n (as `policy <server>` numbers them)
//   policy <server> read-only allow|ask               tools the server marks readOnlyHint run without asking
//   policy <server> explain <tool> '<json>'           which rule decides such a call, and why
// Every refusal happens before config.json is touched, so a bad rule leaves the file as it was.
import { getServer, readConfig, updateConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import {
  isPolicy,
  type BridgeConfig,
  type Policy,
  type ServerEntry,
  type ToolRule,
} from '../../config/schema.js'
import type { ExpressionProblem } from '../../approvals/rules/expression.js'
import { applyRuleEdit, checkRuleEdit, type RuleEdit } from '../../approvals/rules/rule-edits.js'
import { describeEnd, parseDuration } from '../../approvals/rules/duration.js'
import {
  endWindow,
  openWindows,
  pruneWindows,
  setWindow,
  windowEnd,
} from '../../approvals/rules/windows.js'
import { ownEntry } from '../../approvals/own-entry.js'
import { explainCall, showRules } from './policy-show.js'
import { loadRuleEvaluator } from '../../approvals/rules/when-rules.js'
import type { CliContext } from '../context.js'

export interface PolicyOptions {
  for?: string
  when?: string
  removeWhen?: string
  client?: string
}

const USAGE = [
  'Usage: mcp-oauth-bridge policy <server> [allow|ask|deny]',
  "       mcp-oauth-bridge policy <server> <tool> allow|ask|deny [--when '<CEL>' | --for <duration>]",
  '       mcp-oauth-bridge policy <server> <tool> clear | end-window | --remove-when <n>',
  '       mcp-oauth-bridge policy <server> read-only allow|ask',
  "       mcp-oauth-bridge policy <server> explain <tool> '<json arguments>' [--client <name>]",
].join('\n')

export async function policyCommand(
  ctx: CliContext,
  name: string,
  words: string[],
  options: PolicyOptions,
): Promise<void> {
  await loadRuleEvaluator()
  const [first, second, third, ...rest] = words
  if (first === undefined) {
    refuseOptions(options, [])
    return showRules(ctx, name, getServer(await readConfig(ctx.paths), name))
  }
  if (first === 'explain') {
    if (second === undefined || rest.length > 0)
      throw usage('explain takes a tool and, optionally, its arguments as JSON.')
    refuseOptions(options, ['client'])
    return explainCall(
      ctx,
      name,
      getServer(await readConfig(ctx.paths), name),
      second,
      parseArguments(third),
      options.client ?? '',
    )
  }
  if (first === 'read-only' && second !== undefined) {
    if (third !== undefined) throw usage()
    refuseOptions(options, [])
    return setReadOnly(ctx, name, second)
  }
  if (third !== undefined || rest.length > 0) throw usage()
  if (second === undefined && options.removeWhen !== undefined) {
    refuseOptions(options, ['removeWhen'])
    return removeWhenRule(ctx, name, first, options.removeWhen)
  }
  if (second === undefined) {
    refuseOptions(options, [])
    return setServerRule(ctx, name, policyOf(first))
  }
  const tool = first
  if (options.removeWhen !== undefined)
    throw usage('--remove-when takes no policy: policy <server> <tool> --remove-when <n>.')
  if (second === 'end-window') {
    refuseOptions(options, [])
    return endToolWindow(ctx, name, tool)
  }
  if (second === 'clear') {
    refuseOptions(options, [])
    return clearToolRule(ctx, name, tool)
  }
  const policy = policyOf(second)
  if (options.for !== undefined && options.when !== undefined)
    throw usage(
      'Give --for or --when, not both: a window lets every call through; a rule looks at each.',
    )
  if (options.for !== undefined) return openToolWindow(ctx, name, tool, policy, options.for)
  if (options.when !== undefined) return addWhenRule(ctx, name, tool, policy, options.when)
  return setToolRule(ctx, name, tool, policy)
}

/** `policy <server> <tool> --remove-when <n>`: a tool and no policy. */
async function removeWhenRule(
  ctx: CliContext,
  name: string,
  tool: string,
  position: string,
): Promise<void> {
  const index = /^\d{1,4}$/.test(position) ? Number(position) - 1 : -1
  if (index < 0)
    throw usage(
      `--remove-when takes the rule's number as \`policy ${name}\` lists it (1, 2, …), not ${quote(position)}.`,
    )
  let removed: string | undefined
  await updateConfig(ctx.paths, (config) => {
    const entry = getServer(config, name)
    const rules = ownEntry(entry.whenRules, tool) ?? []
    const rule = rules[index]
    if (!rule) {
      throw new BridgeError(
        'BAD_USAGE',
        `${quote(tool)} on ${quote(name)} has no argument rule #${index + 1}${rules.length ? ` (it has ${rules.length})` : ''}.`,
        {
          hint: `See its rules with: mcp-oauth-bridge policy ${name}`,
        },
      )
    }
    removed = rule.when
    applyEdit(entry, { kind: 'remove-when', tool, number: index + 1, when: rule.when })
  })
  ctx.out.success(
    `Removed argument rule #${index + 1} of ${quote(tool)} on ${quote(name)}: ${removed}`,
  )
}

async function setServerRule(ctx: CliContext, name: string, policy: Policy): Promise<void> {
  await updateConfig(ctx.paths, (config) => {
    applyEdit(getServer(config, name), { kind: 'server-rule', policy })
  })
  ctx.out.success(`Tool calls to ${quote(name)} now default to ${policy}.`)
}

async function setToolRule(
  ctx: CliContext,
  name: string,
  tool: string,
  policy: Policy,
): Promise<void> {
  let endedWindow = false
  await updateConfig(ctx.paths, (config) => {
    // A rule set now is what the person wants now: an open window would override it, so it is ended.
    endedWindow =
      applyEdit(getServer(config, name), { kind: 'tool-rule', tool, policy }).endedWindow === true
  })
  ctx.out.success(
    `Calls to ${quote(tool)} on ${quote(name)} are now ${policy}${endedWindow ? ' (its time window is ended)' : ''}.`,
  )
  if (await hasWhenRules(ctx, name, tool))
    ctx.out.progress(
      `Its argument rules still come first; see them with: mcp-oauth-bridge policy ${name}`,
    )
}

async function openToolWindow(
  ctx: CliContext,
  name: string,
  tool: string,
  policy: Policy,
  duration: string,
): Promise<void> {
  if (policy !== 'allow')
    throw usage(
      `--for opens a window in which the tool runs without asking: only \`allow --for ${duration}\`.`,
    )
  const seconds = parseDuration(duration)
  let until = 0
  await updateConfig(ctx.paths, (config) => {
    const entry = getServer(config, name)
    // Typed by name, not seen: like `policy <server> <tool> allow`, the window is not bound to a definition.
    until = windowEnd(setWindow(entry, tool, seconds, undefined, Date.now()))
  })
  ctx.out.success(
    `Calls to ${quote(tool)} on ${quote(name)} run without asking until ${describeEnd(until)}; then its rule is back.`,
  )
  ctx.out.progress(`End it sooner with: mcp-oauth-bridge policy ${name} ${tool} end-window`)
}

async function endToolWindow(ctx: CliContext, name: string, tool: string): Promise<void> {
  let wasOpen = false
  await updateConfig(ctx.paths, (config) => {
    wasOpen = endWindow(getServer(config, name), tool, Date.now())
  })
  if (wasOpen)
    ctx.out.success(
      `The time window of ${quote(tool)} on ${quote(name)} is ended; its rule applies again.`,
    )
  else ctx.out.success(`${quote(tool)} on ${quote(name)} had no open time window; nothing changed.`)
}

/** Thrown inside the config update so that clearing a rule that is not there writes nothing. */
class NothingToClear extends Error {}

async function clearToolRule(ctx: CliContext, name: string, tool: string): Promise<void> {
  const found: { entry?: ServerEntry; cleared?: ToolRule | undefined } = {}
  try {
    await updateConfig(ctx.paths, (config) => {
      const entry = getServer(config, name)
      found.entry = entry
      found.cleared = ownEntry(entry.tools, tool)
      if (found.cleared === undefined || !entry.tools) throw new NothingToClear()
      delete entry.tools[tool]
      if (Object.keys(entry.tools).length === 0) delete entry.tools
      // As every rule change does, so config.json does not collect ended windows.
      pruneWindows(entry, Date.now())
    })
  } catch (error) {
    if (!(error instanceof NothingToClear)) throw error
  }
  const { entry, cleared } = found
  if (!entry) return
  if (cleared === undefined) {
    ctx.out.success(
      `${quote(tool)} on ${quote(name)} has no rule of its own; nothing changed. Its calls follow ${fallbackOf(entry)}.`,
    )
    return
  }
  const was =
    typeof cleared === 'string'
      ? cleared
      : `${cleared.policy}${cleared.approvedDefinition ? ', always allow bound to the definition approved' : ''}`
  ctx.out.success(
    `Calls to ${quote(tool)} on ${quote(name)} now fall back to ${fallbackOf(entry)}; its own rule (${was}) is cleared.`,
  )
  // What still decides before the fallback is left alone: each has its own way to go.
  const window = openWindows(entry, Date.now()).find((open) => open.tool === tool)
  if (window)
    ctx.out.progress(
      `Its time window still lets calls through until ${describeEnd(window.until)}; end it with: mcp-oauth-bridge policy ${name} ${tool} end-window`,
    )
  if ((ownEntry(entry.whenRules, tool)?.length ?? 0) > 0)
    ctx.out.progress(
      `Its argument rules still come first; see them with: mcp-oauth-bridge policy ${name}`,
    )
}

/** What decides a tool's call once it has no rule of its own, in the bridge's order. */
function fallbackOf(entry: ServerEntry): string {
  const server = entry.policy ? `the server's rule (${entry.policy})` : 'ask (the default)'
  return entry.readOnly
    ? `read-only allow if the server marks it read-only, else ${server}`
    : server
}

async function addWhenRule(
  ctx: CliContext,
  name: string,
  tool: string,
  policy: Policy,
  expression: string,
): Promise<void> {
  const edit: RuleEdit = { kind: 'add-when', tool, policy, when: expression }
  const problem = await checkRuleEdit(edit)
  if (problem) throw expressionRefused(problem)
  let position = 0
  await updateConfig(ctx.paths, (config) => {
    position = applyEdit(getServer(config, name), edit).number ?? 0
  })
  ctx.out.success(
    `Argument rule #${position} for ${quote(tool)} on ${quote(name)}: ${policy} when ${expression}`,
  )
  if (position > 1)
    ctx.out.progress(
      `Rules are tried in order and the first match decides; see them with: mcp-oauth-bridge policy ${name}`,
    )
}

async function setReadOnly(ctx: CliContext, name: string, policy: string): Promise<void> {
  if (policy !== 'allow' && policy !== 'ask')
    throw usage(
      `read-only takes allow (tools the server marks read-only run without asking) or ask (off), not ${quote(policy)}.`,
    )
  await updateConfig(ctx.paths, (config) => {
    // Allow (again) starts afresh: the tools are bound to their definitions as the bridge next sees them.
    applyEdit(getServer(config, name), { kind: 'read-only', on: policy === 'allow' })
  })
  ctx.out.success(
    policy === 'allow'
      ? `Tools ${quote(name)} marks read-only (annotations.readOnlyHint) now run without asking, as the bridge sees them now; one that changes later asks again until you run this again.`
      : `Tools ${quote(name)} marks read-only ask again like any other.`,
  )
}

async function hasWhenRules(ctx: CliContext, name: string, tool: string): Promise<boolean> {
  const config: BridgeConfig = await readConfig(ctx.paths)
  return (ownEntry(ownEntry(config.servers, name)?.whenRules, tool)?.length ?? 0) > 0
}

/** The same change the dashboard's forms make (approvals/rules/rule-edits.ts); a refusal leaves config.json unwritten. */
function applyEdit(entry: ServerEntry, edit: RuleEdit): { endedWindow?: boolean; number?: number } {
  const applied = applyRuleEdit(entry, edit, Date.now())
  if (!applied.ok) throw new BridgeError('BAD_USAGE', applied.problem.message)
  return applied
}

function parseArguments(text: string | undefined): unknown {
  if (text === undefined) return {}
  try {
    const value = JSON.parse(text) as unknown
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new Error('not an object')
    return value
  } catch {
    throw usage(
      `The arguments must be a JSON object, e.g. '{"amount": 20, "currency": "EUR"}', not ${quote(text)}.`,
    )
  }
}

function policyOf(word: string): Policy {
  if (isPolicy(word)) return word
  throw new BridgeError('BAD_USAGE', `The policy must be allow, ask or deny, not ${quote(word)}.`, {
    hint: USAGE,
  })
}

function refuseOptions(options: PolicyOptions, allowed: Array<keyof PolicyOptions>): void {
  const flags: Record<keyof PolicyOptions, string> = {
    for: '--for',
    when: '--when',
    removeWhen: '--remove-when',
    client: '--client',
  }
  for (const key of Object.keys(flags) as Array<keyof PolicyOptions>) {
    if (options[key] !== undefined && !allowed.includes(key))
      throw usage(`${flags[key]} does not go with this form of the command.`)
  }
}

function expressionRefused(problem: ExpressionProblem): BridgeError {
  const where =
    problem.line !== undefined ? ` (line ${problem.line}, column ${problem.column})` : ''
  const pointer = problem.pointer
    ? `\n${problem.pointer
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n')}`
    : ''
  return new BridgeError(
    'BAD_USAGE',
    `The rule was not set: ${problem.message}${where}.${pointer}`,
    {
      hint: 'config.json was left as it was. A rule is CEL over args, tool, server and client, e.g. \'args.amount <= 20 && args.currency == "EUR"\' (docs/policies.md).',
    },
  )
}

function usage(reason?: string): BridgeError {
  return new BridgeError('BAD_USAGE', reason ?? 'That is not a policy command.', { hint: USAGE })
}
