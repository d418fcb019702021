// Where the bytes of an answer being relayed come from: a Readable, or straight from undici's
// dispatcher (answer-handler.ts), which skips the Readable and its buffering, flowing state and
// events for every chunk. A relay written against this shape serves both.
import type { Readable } from 'node:stream'

export interface ChunkSink {
  data(chunk: Buffer): void
  /** The body arrived whole. */
  end(): void
  /** The body broke off; nothing follows. */
  error(error: Error): void
}

export interface ChunkSource {
  /** Starts the flow: every chunk in order, then `end` or `error` once. Call once. */
  start(sink: ChunkSink): void
  pause(): void
  resume(): void
  /** The reader stops early (the client went away): the upstream request ends too. */
  destroy(): void
}

/**
 * A Readable as a chunk source. Its chunks may come from `flowing` (a transform the body is piped
 * through) while its faults are the body's own: a rewrite's end must not hide the upstream's break.
 */
export function readableSource(body: Readable, flowing: Readable = body): ChunkSource {
  return {
    start(sink) {
      flowing.on('data', (chunk: Buffer) => sink.data(chunk))
      flowing.once('end', () => sink.end())
      body.once('error', (error) => sink.error(error))
    },
    pause: () => flowing.pause(),
    resume: () => flowing.resume(),
    destroy: () => body.destroy(),
  }
}

/** The source with an onlooker that sees each chunk before the sink does. */
export function observedSource(source: ChunkSource, look: (chunk: Buffer) => void): ChunkSource {
  return {
    start: (sink) =>
      source.start({
        data(chunk) {
          look(chunk)
          sink.data(chunk)
        },
        end: () => sink.end(),
        error: (error) => sink.error(error),
      }),
    pause: () => source.pause(),
    resume: () => source.resume(),
    destroy: () => source.destroy(),
  }
}
