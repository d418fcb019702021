// Every decision on a tool call, appended to ~/.mcp-oauth-bridge/logs/decisions.log: when,
// which server and tool, allow or deny, and how (policy, page, terminal, timeout, shutdown,
// disconnect). Arguments are not logged: they may hold personal data.
import { openLogFile } from '../fs/log-file.js'
import type { DecisionRecord } from './gate.js'

export interface DecisionLog {
  write(record: DecisionRecord): void
  close(): Promise<void>
}

export function openDecisionLog(logsFolder: string): DecisionLog {
  const file = openLogFile(logsFolder, 'decisions.log')
  return {
    write: (record) => file.append(`${new Date().toISOString()} ${record.server} ${JSON.stringify(record.tool)} ${record.decision} ${record.how}`),
    close: () => file.close(),
  }
}
