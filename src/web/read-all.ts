// Collects a stream into one Buffer with plain 'data'/'end' events: on the proxy's hot path this
// is cheaper than stream/consumers (which goes through a Blob) or an async iterator.
import type { Readable } from 'node:stream'

/** The whole stream, or undefined as soon as it passes `limit` bytes (the rest is drained). */
export function readAll(
  stream: Readable,
  limit = Number.POSITIVE_INFINITY,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    let overflow = false
    stream.on('data', (chunk: Buffer) => {
      if (overflow) return
      total += chunk.byteLength
      if (total > limit) {
        overflow = true
        chunks.length = 0
        return
      }
      chunks.push(chunk)
    })
    stream.once('end', () =>
      resolve(
        overflow
          ? undefined
          : chunks.length === 1
            ? (chunks[0] as Buffer)
            : Buffer.concat(chunks, total),
      ),
    )
    stream.once('error', reject)
    stream.once('aborted', () => reject(new Error('The request was aborted.')))
  })
}
