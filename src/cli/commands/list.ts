// `list [--json]`: servers, URL, token state and expiry, policy.
import { readConfig } from '../../config/store.js'
import { describeServer } from '../../tokens/status.js'
import type { CliContext } from '../context.js'

export async function listCommand(ctx: CliContext, options: { json?: boolean }): Promise<void> {
  const config = await readConfig(ctx.paths)
  const secrets = await ctx.store.all()
  const now = Date.now()
  const rows = Object.entries(config.servers).map(([name, entry]) =>
    describeServer(name, entry, secrets[name], now),
  )
  if (options.json) {
    ctx.out.result(JSON.stringify(rows, null, 2))
    return
  }
  if (rows.length === 0) {
    ctx.out.result('No servers yet. Add one with: mcp-oauth-bridge add <name> <url>')
    return
  }
  const table = [
    ['NAME', 'URL', 'TOKEN', 'POLICY'],
    ...rows.map((row) => [
      row.name,
      row.url,
      row.detail,
      row.policy + toolRules(Object.keys(row.tools).length),
    ]),
  ]
  const widths = table[0]!.map((_, column) =>
    Math.max(...table.map((line) => line[column]!.length)),
  )
  for (const line of table)
    ctx.out.result(
      line
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
}

/** ` (+2 tool rules)` after the server's policy, or nothing when no tool has its own. */
function toolRules(count: number): string {
  if (count === 0) return ''
  return ` (+${count} tool ${count === 1 ? 'rule' : 'rules'})`
}
