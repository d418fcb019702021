// One line per request, on stdout and appended to ~/.mcp-oauth-bridge/logs/requests.log.
// Lines carry no token: bodies appear only with --verbose, and then redacted.
import { SECRET_KEY } from '../approvals/argument-preview.js'
import { openLogFile } from '../fs/log-file.js'
import type { RequestLogEntry } from './log-entry.js'

export interface RequestLog {
  write(entry: RequestLogEntry): void
  close(): Promise<void>
}

export function formatLogLine(entry: RequestLogEntry, now = new Date()): string {
  const base = `${now.toISOString()} ${entry.server} ${entry.method} ${entry.status} ${entry.ms.toFixed(1)}ms`
  return `${base}${entry.note ? ` ${entry.note}` : ''}${entry.body ? ` body=${entry.body}` : ''}`
}

export function openRequestLog(logsFolder: string, echo: (lines: string) => void): RequestLog {
  // The time is taken as the request ends; its line is made with the batch.
  const file = openLogFile<{ entry: RequestLogEntry; at: number }>(
    logsFolder,
    'requests.log',
    ({ entry, at }) => formatLogLine(entry, new Date(at)),
    echo,
  )
  return {
    write: (entry) => file.append({ entry, at: Date.now() }),
    close: () => file.close(),
  }
}

/** A body for the log: JSON with secret-looking fields (SECRET_KEY, as in the decision log) blanked and known secrets removed anywhere. */
export function redactBody(body: Buffer, knownSecrets: string[]): string {
  let text = body.toString('utf8')
  try {
    text = JSON.stringify(JSON.parse(text), (key, value: unknown) =>
      key && SECRET_KEY.test(key) && typeof value !== 'object' ? '[redacted]' : value,
    )
  } catch {
    // not JSON: log it as text, still scrubbed below
  }
  for (const secret of knownSecrets) {
    if (secret.length >= 8) text = text.split(secret).join('[redacted]')
  }
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text
}
