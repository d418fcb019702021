import { describe, expect, it } from 'vitest'
import { InMemoryApprovalQueue } from './queue.js'

describe('InMemoryApprovalQueue ids', () => {
  it('never starts an id with "-", so `approvals approve <id>` never reads it as an option', async () => {
    const queue = new InMemoryApprovalQueue()
    const controller = new AbortController()
    const held = Array.from({ length: 500 }, () =>
      queue.hold(
        { server: 's', tool: 't', canAlwaysAllow: false, arguments: {} },
        { timeoutMs: 60_000, signal: controller.signal },
      ),
    )
    const ids = queue.pending().map((call) => call.id)
    expect(new Set(ids).size).toBe(500)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{18}$/)
    queue.denyAll('shutdown')
    expect((await Promise.all(held)).every((decision) => decision.kind === 'deny')).toBe(true)
  })
})
