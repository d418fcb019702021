// A held call as `approvals watch` shows it: what the approvals page shows (server, tool, who
// asked, how long it waited, the description, the arguments as pretty JSON, a changed definition
// next to the one that was allowed), in plain text made safe for a terminal.
import type { Decision, PendingCall } from '../approvals/queue.js'
import { terminalBlock, terminalLine } from './terminal-text.js'
import { formatDuration } from '../tokens/status.js'

/** The same JSON the page shows, escaped for the terminal. */
export function prettyJson(value: unknown): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value === undefined ? {} : value, null, 2)
  } catch {
    text = undefined
  }
  return terminalBlock(text ?? String(value))
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined || value === null) return ''
  try {
    return JSON.stringify(value) ?? ''
  } catch {
    return String(value)
  }
}

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n')
}

function isEmptyObject(value: unknown): boolean {
  return (
    value === undefined ||
    (typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length === 0)
  )
}

/** "echo on up", for one-line messages about a call. */
export function callName(call: PendingCall): string {
  return `${terminalLine(asText(call.tool))} on ${terminalLine(asText(call.server))}`
}

/** The lines shown for a call before its question; `waiting` says how many more wait behind it. */
export function describeHeldCall(
  call: PendingCall,
  options: { now: number; waiting: number },
): string {
  const client = asText(call.client)
  const lines = [
    `${terminalLine(asText(call.server))} › ${terminalLine(asText(call.tool))}`,
    `  from ${client ? terminalLine(client) : 'a client the bridge could not name'} · waiting ${formatDuration(Math.max(0, options.now - call.createdAt))} · call ${terminalLine(call.id)}${options.waiting > 0 ? ` · ${options.waiting} more waiting` : ''}`,
    '',
  ]
  const description = asText(call.description)
  lines.push(
    description
      ? indent(terminalBlock(description), '  ')
      : '  (The server gave no description for this tool.)',
  )
  if (call.changedSinceApproval && typeof call.changedSinceApproval === 'object') {
    const before = call.changedSinceApproval
    lines.push(
      '',
      '  ! This tool changed since you chose to always allow it, so this call asks again. Compare before you approve.',
      '    When you allowed it:',
      indent(terminalBlock(asText(before.description) || '(no description)'), '      '),
      '      input schema:',
      indent(prettyJson(before.inputSchema ?? null), '      '),
      '    Now:',
      indent(terminalBlock(description || '(no description)'), '      '),
    )
    if ('inputSchema' in call)
      lines.push('      input schema:', indent(prettyJson(call.inputSchema ?? null), '      '))
  }
  lines.push('', '  Arguments:')
  lines.push(
    isEmptyObject(call.arguments) ? '    (no arguments)' : indent(prettyJson(call.arguments)),
  )
  return lines.join('\n')
}

/** How a call someone else settled left, as the page's "recently settled" list says it. */
export function describeRemoval(decision: Decision | undefined): string {
  if (!decision) return 'settled while the watch was not connected'
  const verb =
    decision.kind === 'approve'
      ? decision.always
        ? 'approved and always allowed'
        : 'approved'
      : 'denied'
  switch (decision.source) {
    case 'page':
      return `${verb} on the approvals page`
    case 'terminal':
      return `${verb} from another terminal`
    case 'timeout':
      return 'denied: nobody decided in time'
    case 'disconnect':
      return 'withdrawn: the client went away'
    case 'cancelled':
      return 'withdrawn: the client cancelled it'
    case 'shutdown':
      return 'denied: the bridge stopped'
    default:
      return verb
  }
}
