// An append-only log file whose lines are written in batches: one write per 50 ms however many
// requests arrived, instead of one thread-pool write (and one wake-up of the reader of stdout)
// per request on the proxy's hot path. Items are turned into lines with their batch too: fifty
// lines in a row cost less than one at a time between requests. A full disk never takes the
// bridge down.
import { createWriteStream, mkdirSync } from 'node:fs'
import { join } from 'node:path'

export interface LogFile<Item> {
  append(item: Item): void
  close(): Promise<void>
}

const FLUSH_MS = 50

/** `format` makes an item's line (without its newline); `echo` also receives each batch (e.g. stdout). */
export function openLogFile<Item>(
  folder: string,
  fileName: string,
  format: (item: Item) => string,
  echo?: (text: string) => void,
): LogFile<Item> {
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  const file = createWriteStream(join(folder, fileName), { flags: 'a', mode: 0o600 })
  file.on('error', () => undefined)
  let pending: Item[] = []
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    timer = undefined
    if (pending.length === 0) return
    const text = pending.map(format).join('\n')
    pending = []
    echo?.(text)
    file.write(`${text}\n`)
  }
  return {
    append(item) {
      pending.push(item)
      timer ??= setTimeout(flush, FLUSH_MS)
    },
    close() {
      clearTimeout(timer)
      flush()
      return new Promise((resolve) => file.end(() => resolve()))
    },
  }
}
