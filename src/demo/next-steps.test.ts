import { describe, expect, it } from 'vitest'
import { describeNextSteps } from './next-steps.js'

const base = { name: 'demo', approvalsUrl: 'http://localhost:3000/approvals' }

describe('the next steps the demo prints', () => {
  it('names the connect line that prints the token-carrying lines again', () => {
    const lines = describeNextSteps({
      ...base,
      connection: {
        url: 'http://localhost:3000/mcp/demo',
        headers: { Authorization: 'Bearer mob_x' },
      },
    }).join('\n')
    // Without --token, `connect demo` prints the bare URL Claude Code logs in with: no header.
    expect(lines).toContain(
      '`mcp-oauth-bridge connect demo --token` prints them again (`mcp-oauth-bridge connect demo sdk` as SDK code).',
    )
    expect(lines).not.toMatch(/`mcp-oauth-bridge connect demo` prints/)
  })

  it('has no token lines to print again when the bridge asks for no token', () => {
    const lines = describeNextSteps({
      ...base,
      connection: { url: 'http://localhost:3000/mcp/demo', headers: {} },
    }).join('\n')
    expect(lines).not.toContain('prints them again')
  })
})
