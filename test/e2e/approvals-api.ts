// The approvals API as the tests drive it: what is held, waiting until enough is, and a decision.
// A bridge with access control wants a client's `authorization` (bridge-setup.ts
// bridgeAuthorization); one started with --no-auth wants none.
import type { PendingCall } from '../../src/approvals/queue.js'
import type { RunningCli } from './cli-process.js'

export async function pending(
  bridge: Pick<RunningCli, 'url'>,
  authorization?: string,
): Promise<PendingCall[]> {
  const headers: Record<string, string> = authorization ? { authorization } : {}
  const response = await fetch(`${bridge.url}/approvals/api/pending`, { headers })
  return ((await response.json()) as { pending: PendingCall[] }).pending
}

/** Polls the bridge's list of held calls until it holds at least `count`. */
export async function waitForPending(
  bridge: Pick<RunningCli, 'url'>,
  count: number,
): Promise<PendingCall[]> {
  for (;;) {
    const calls = await pending(bridge)
    if (calls.length >= count) return calls
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Decides a held call; resolves with the HTTP status of the answer. */
export async function decide(
  bridge: Pick<RunningCli, 'url'>,
  id: string,
  decision: 'approve' | 'deny',
  authorization?: string,
): Promise<number> {
  const response = await fetch(`${bridge.url}/approvals/api/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ id, decision }),
  })
  await response.body?.cancel()
  return response.status
}
