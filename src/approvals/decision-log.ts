// Every decision on a tool call, appended to ~/.mcp-oauth-bridge/logs/decisions.log: when,
// which server and tool, allow or deny, and how (policy, page, terminal, timeout, shutdown,
// disconnect). Arguments are not logged: they may hold personal data.
import { createWriteStream, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { DecisionRecord } from './gate.js'

export interface DecisionLog {
  write(record: DecisionRecord): void
  close(): Promise<void>
}

export function openDecisionLog(logsFolder: string): DecisionLog {
  mkdirSync(logsFolder, { recursive: true, mode: 0o700 })
  const file = createWriteStream(join(logsFolder, 'decisions.log'), { flags: 'a', mode: 0o600 })
  file.on('error', () => undefined)
  return {
    write: (record) => {
      file.write(`${new Date().toISOString()} ${record.server} ${JSON.stringify(record.tool)} ${record.decision} ${record.how}\n`)
    },
    close: () => new Promise((resolve) => file.end(() => resolve())),
  }
}
