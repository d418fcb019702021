// One lock per guarded file, shared by every process (proper-lockfile: an mkdir-based lock with
// a heartbeat, so a crashed holder's lock goes stale instead of blocking forever), plus an
// in-process queue because the file lock is not re-entrant within one process.
import { BridgeError } from '../errors.js'

const queues = new Map<string, Promise<unknown>>()

export async function withFileLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve()
  const run = previous.catch(() => undefined).then(() => lockAndRun(path, work))
  queues.set(path, run)
  try {
    return await run
  } finally {
    if (queues.get(path) === run) queues.delete(path)
  }
}

async function lockAndRun<T>(path: string, work: () => Promise<T>): Promise<T> {
  let release: () => Promise<void>
  try {
    // Loaded on the first write: a bridge that only reads never needs it.
    const lockfile = await import('proper-lockfile')
    release = await lockfile.lock(path, {
      realpath: false,
      lockfilePath: `${path}.lock`,
      stale: 15_000,
      update: 5_000,
      retries: { retries: 200, minTimeout: 10, maxTimeout: 100, factor: 1.3 },
    })
  } catch (error) {
    throw new BridgeError(
      'STATE_LOCKED',
      `Could not lock ${path}: another mcp-oauth-bridge process holds it.`,
      {
        hint: `If no other mcp-oauth-bridge is running, remove ${path}.lock and try again.`,
        cause: error,
      },
    )
  }
  try {
    return await work()
  } finally {
    await release().catch(() => undefined)
  }
}
