// The running bridge's approvals API as `mcp-oauth-bridge approvals` uses it: the held calls,
// decisions, and the live stream of arrivals and departures (/approvals/api/events, the one the
// page follows; the bridge access token admits the terminal to it).
import { BridgeError } from '../errors.js'
import type { Decision, PendingCall } from '../approvals/queue.js'
import { bridgeOrigin, describeLocation, type BridgeLocation } from './bridge-client.js'

export interface ApprovalsClient {
  location: BridgeLocation
  headers: Record<string, string>
}

/** What the stream says: the full list (on connect), one call held, one call settled. */
export type ApprovalsEvent =
  | { type: 'snapshot'; pending: PendingCall[] }
  | { type: 'added'; call: PendingCall }
  | { type: 'removed'; id: string; decision: Decision | undefined }

export async function listPending(client: ApprovalsClient): Promise<PendingCall[]> {
  const { pending } = (await requestBridge(client.location, '/approvals/api/pending', {
    headers: client.headers,
  })) as { pending: PendingCall[] }
  return pending
}

/** Throws a BridgeError with code NOT_PENDING when the call was settled already. */
export async function decideHeld(
  client: ApprovalsClient,
  id: string,
  decision: 'approve' | 'deny',
  always: boolean,
  edited?: { arguments: unknown },
  forSeconds?: number,
): Promise<void> {
  await requestBridge(client.location, '/approvals/api/decide', {
    method: 'POST',
    headers: { ...client.headers, 'content-type': 'application/json' },
    // `arguments`: run the call with these instead of the client's; the bridge checks them against the tool's schema.
    // `forSeconds`: "allow for 1 hour", a time window bound to the definition the held call shows.
    body: JSON.stringify({
      id,
      decision,
      always,
      ...(edited ? { arguments: edited.arguments } : {}),
      ...(forSeconds !== undefined ? { forSeconds } : {}),
    }),
  })
}

/**
 * The open event stream's body, carrying the events until the bridge or `signal` ends it. A
 * refusal throws a BridgeError; no connection at all throws fetch's own error, for the caller
 * to tell a bridge that stopped from one that never ran.
 */
export async function openEventStream(
  client: ApprovalsClient,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const response = await fetch(`${bridgeOrigin(client.location)}/approvals/api/events`, {
    headers: { ...client.headers, accept: 'text/event-stream' },
    signal,
  })
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { error?: string }
    throw refused(response.status, body.error)
  }
  return response.body
}

/** One event of the stream as the watch uses it; undefined for events it does not know. */
export function parseApprovalsEvent(event: string, data: string): ApprovalsEvent | undefined {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const fields = value as { pending?: unknown; call?: unknown; id?: unknown; decision?: unknown }
  if (event === 'snapshot' && Array.isArray(fields.pending))
    return { type: 'snapshot', pending: fields.pending.filter(isPendingCall) }
  if (event === 'added' && isPendingCall(fields.call)) return { type: 'added', call: fields.call }
  if (event === 'removed' && typeof fields.id === 'string') {
    return {
      type: 'removed',
      id: fields.id,
      decision:
        typeof fields.decision === 'object' && fields.decision !== null
          ? (fields.decision as Decision)
          : undefined,
    }
  }
  return undefined
}

function isPendingCall(value: unknown): value is PendingCall {
  const call = value as Partial<PendingCall> | null
  return (
    typeof call === 'object' &&
    call !== null &&
    typeof call.id === 'string' &&
    typeof call.createdAt === 'number'
  )
}

export async function requestBridge(
  location: BridgeLocation,
  path: string,
  init: RequestInit,
): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`${bridgeOrigin(location)}${path}`, {
      ...init,
      signal: AbortSignal.timeout(10_000),
    })
  } catch (error) {
    throw notAnswering(location, error)
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string }
  if (!response.ok) throw refused(response.status, body.error)
  return body
}

export function notAnswering(location: BridgeLocation, cause: unknown): BridgeError {
  return new BridgeError(
    'UPSTREAM_FAILED',
    `No bridge is answering on ${describeLocation(location)}.`,
    {
      hint:
        location.source === 'flag'
          ? 'Check the port the bridge printed when it started, or leave --port out to use the running one.'
          : 'Start it with `mcp-oauth-bridge start` (or pass --port if it listens elsewhere).',
      cause,
    },
  )
}

function refused(status: number, error: string | undefined): BridgeError {
  return new BridgeError(
    status === 409 ? 'NOT_PENDING' : 'UPSTREAM_FAILED',
    `The bridge refused: ${error ?? `HTTP ${status}`}`,
  )
}
