// Two ends of a connection inside one process: what one end writes, the other reads. node:http
// parses both sides as it would on a socket, so `stdio --standalone` talks to its own bridge
// without a loopback hop through the kernel.
import { Duplex } from 'node:stream'

class ConnectionEnd extends Duplex {
  other: ConnectionEnd | undefined
  readonly remoteAddress = '127.0.0.1'
  readonly remotePort = 0
  readonly localAddress = '127.0.0.1'

  override _read(): void {}

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.other?.push(chunk)
    done()
  }

  override _final(done: (error?: Error | null) => void): void {
    this.other?.push(null)
    done()
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const other = this.other
    this.other = undefined
    if (other && !other.destroyed) other.destroy()
    done(error)
  }

  // What node:http asks of a socket; an in-process connection has no timers or kernel options.
  setTimeout(): this {
    return this
  }

  setNoDelay(): this {
    return this
  }

  setKeepAlive(): this {
    return this
  }

  ref(): this {
    return this
  }

  unref(): this {
    return this
  }
}

export function connectionPair(): [Duplex, Duplex] {
  const client = new ConnectionEnd()
  const server = new ConnectionEnd()
  client.other = server
  server.other = client
  return [client, server]
}
