// A request handler whose code loads after the port is open. A request that comes before the load
// has finished waits for it and is then handled like any other: nothing answers it sooner, so the
// guard and the access checks of the loaded handler see every request.
import type { IncomingMessage, ServerResponse } from 'node:http'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

export interface DeferredHandler<T> {
  /** For node:http: the loaded handler once there, else a wait for it. */
  handle: Handler
  /** Starts the load if nothing has yet; the same promise every time. */
  load(): Promise<T>
  /** The load under way or done, if one has started. */
  started(): Promise<T> | undefined
}

export function deferredHandler<T extends { handle: Handler }>(
  load: () => Promise<T>,
  /** Answers a request the handler could not be loaded for. */
  refuse: (error: unknown, req: IncomingMessage, res: ServerResponse) => void,
): DeferredHandler<T> {
  let loading: Promise<T> | undefined
  let loaded: T | undefined
  const start = () =>
    (loading ??= load().then((value) => {
      loaded = value
      return value
    }))
  return {
    handle: (req, res) => {
      if (loaded) return loaded.handle(req, res)
      start().then(
        (value) => value.handle(req, res),
        (error: unknown) => refuse(error, req, res),
      )
    },
    load: start,
    started: () => loading,
  }
}
