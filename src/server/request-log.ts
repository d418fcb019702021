// One line per request, on stdout and appended to ~/.mcp-oauth-bridge/logs/requests.log.
// Lines carry no token: bodies appear only with --verbose, and then redacted.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import type { RequestLogEntry } from './app.js'

export interface RequestLog {
  write(entry: RequestLogEntry): void
  close(): Promise<void>
}

export function formatLogLine(entry: RequestLogEntry, now = new Date()): string {
  const base = `${now.toISOString()} ${entry.server} ${entry.method} ${entry.status} ${entry.ms.toFixed(1)}ms`
  return `${base}${entry.note ? ` ${entry.note}` : ''}${entry.body ? ` body=${entry.body}` : ''}`
}

export function openRequestLog(logsFolder: string, echo: (line: string) => void): RequestLog {
  mkdirSync(logsFolder, { recursive: true, mode: 0o700 })
  const file: WriteStream = createWriteStream(join(logsFolder, 'requests.log'), { flags: 'a', mode: 0o600 })
  file.on('error', () => undefined) // a full disk must not take the bridge down
  return {
    write(entry) {
      const line = formatLogLine(entry)
      echo(line)
      file.write(`${line}\n`)
    },
    close: () => new Promise((resolve) => file.end(() => resolve())),
  }
}

const SECRET_KEY = /token|secret|password|passwd|authorization|api[-_]?key|credential|cookie/i

/** A body for the log: JSON with secret-looking fields blanked and known secrets removed anywhere. */
export function redactBody(body: Buffer, knownSecrets: string[]): string {
  let text = body.toString('utf8')
  try {
    text = JSON.stringify(JSON.parse(text), (key, value: unknown) => (key && SECRET_KEY.test(key) && typeof value !== 'object' ? '[redacted]' : value))
  } catch {
    // not JSON: log it as text, still scrubbed below
  }
  for (const secret of knownSecrets) {
    if (secret.length >= 8) text = text.split(secret).join('[redacted]')
  }
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text
}
