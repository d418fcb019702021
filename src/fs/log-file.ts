// An append-only log file whose lines are written in batches: one write per 50 ms however many
// requests arrived, instead of one thread-pool write (and one wake-up of the reader of stdout)
// per request on the proxy's hot path. A full disk never takes the bridge down.
import { createWriteStream, mkdirSync } from 'node:fs'
import { join } from 'node:path'

export interface LogFile {
  append(line: string): void
  close(): Promise<void>
}

const FLUSH_MS = 50

/** `echo` also receives each batch (e.g. stdout), without its final newline. */
export function openLogFile(
  folder: string,
  fileName: string,
  echo?: (text: string) => void,
): LogFile {
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  const file = createWriteStream(join(folder, fileName), { flags: 'a', mode: 0o600 })
  file.on('error', () => undefined)
  let pending = ''
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    timer = undefined
    if (!pending) return
    echo?.(pending.slice(0, -1))
    file.write(pending)
    pending = ''
  }
  return {
    append(line) {
      pending += `${line}\n`
      timer ??= setTimeout(flush, FLUSH_MS)
    },
    close() {
      clearTimeout(timer)
      flush()
      return new Promise((resolve) => file.end(() => resolve()))
    },
  }
}
