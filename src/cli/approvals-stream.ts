// Following the running bridge's approvals stream for as long as the watch runs: reconnects
// when the stream drops while the bridge still answers, and ends with an error when it stopped.
import { setTimeout as delay } from 'node:timers/promises'
import { BridgeError } from '../errors.js'
import {
  notAnswering,
  openEventStream,
  parseApprovalsEvent,
  type ApprovalsClient,
  type ApprovalsEvent,
} from './approvals-client.js'
import { probeBridge } from './bridge-client.js'
import { readSseEvents } from './sse-reader.js'

export interface StreamNotices {
  /** The stream is open (again): a snapshot follows. */
  connected(again: boolean): void
  /** A line for the person about the connection. */
  notice(text: string): void
}

const RETRY_MS = [250, 500, 1_000, 2_000, 5_000]

/**
 * Calls `onEvent` for each event until `signal` aborts (resolves) or the bridge stops or refuses
 * the watch (rejects with a BridgeError saying so). Each connection begins with a snapshot, so
 * what happened while it was down is not missed.
 */
export async function followApprovals(
  client: ApprovalsClient,
  onEvent: (event: ApprovalsEvent) => void,
  signal: AbortSignal,
  notices: StreamNotices,
): Promise<void> {
  let instance =
    client.location.source === 'runtime' ? client.location.runtime.instanceId : undefined
  let connections = 0
  let failures = 0
  for (;;) {
    try {
      const body = await openEventStream(client, signal)
      notices.connected(connections > 0)
      connections += 1
      failures = 0
      for await (const { event, data } of readSseEvents(body)) {
        const parsed = parseApprovalsEvent(event, data)
        if (parsed) onEvent(parsed)
      }
    } catch (error) {
      if (signal.aborted) return
      if (error instanceof BridgeError) throw error
      if (connections === 0) throw notAnswering(client.location, error)
      // The connection broke: whether the bridge still runs decides what comes next.
    }
    if (signal.aborted) return
    const probe = await probeBridge(client.location.host, client.location.port)
    if (probe.kind !== 'running') {
      throw new BridgeError(
        'UPSTREAM_FAILED',
        `The bridge on port ${client.location.port} stopped; stopped watching.`,
        {
          hint: 'Calls it held were denied when it stopped. Start it again, then run `mcp-oauth-bridge approvals watch` again.',
        },
      )
    }
    if (instance !== undefined && probe.instanceId !== undefined && probe.instanceId !== instance) {
      notices.notice(
        `The bridge on port ${client.location.port} was restarted (pid ${probe.pid}); watching the new one.`,
      )
    } else {
      notices.notice('The approvals stream dropped while the bridge still runs; reconnecting…')
    }
    instance = probe.instanceId ?? instance
    await delay(RETRY_MS[Math.min(failures, RETRY_MS.length - 1)] ?? 5_000, undefined, {
      signal,
    }).catch(() => undefined)
    failures += 1
    if (signal.aborted) return
  }
}
