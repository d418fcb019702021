// Lines in and out of the stdio transport (MCP basic/transports §stdio: one JSON-RPC message
// per line, no embedded newlines). What the bridge sends is passed on as it is unless it
// spans lines, which only pretty-printed JSON does.
import type { Readable, Writable } from 'node:stream'

/** Calls `onLine` for each non-empty line of `input`, as it arrives. */
export function readLines(input: Readable, onLine: (line: string) => void): void {
  let rest = ''
  input.setEncoding('utf8')
  input.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      const trimmed = line.trim()
      if (trimmed) onLine(trimmed)
    }
  })
  input.once('end', () => {
    if (rest.trim()) onLine(rest.trim())
  })
}

/** Writes one message as one line. */
export function writeLine(output: Writable, message: string): void {
  const text = message.trim()
  if (!text) return
  output.write(`${text.includes('\n') ? oneLine(text) : text}\n`)
}

/** JSON strings hold no raw newline, so the ones in a message are whitespace between tokens. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ')
}
