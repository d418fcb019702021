import { describe, expect, it } from 'vitest'
import { decide } from '../approvals/policy.js'
import { definitionFingerprint } from '../approvals/tool-catalog.js'
import { assertServerName, parseConfig } from './schema.js'

describe('config.json parsing', () => {
  it('fills defaults and keeps servers', () => {
    const config = parseConfig(
      '{"servers":{"stripe":{"url":"https://mcp.stripe.com","policy":"allow"}}}',
      'config.json',
    )
    expect(config.port).toBe(3000)
    expect(config.servers.stripe).toEqual({
      url: 'https://mcp.stripe.com',
      auth: 'oauth',
      policy: 'allow',
    })
  })

  it('names the field at fault', () => {
    expect(() => parseConfig('{"servers":{"a":{"url":"nope"}}}', 'c.json')).toThrow(
      /servers\.a\.url.*"nope"/,
    )
    expect(() => parseConfig('{"port":"x"}', 'c.json')).toThrow(/"port"/)
    expect(() => parseConfig('{', 'c.json')).toThrow(/not valid JSON/)
    expect(() =>
      parseConfig('{"servers":{"a":{"url":"https://x","tools":{"t":"maybe"}}}}', 'c.json'),
    ).toThrow(/tools\.t/)
  })

  it('accepts only path-safe server names', () => {
    expect(() => assertServerName('linear_2-x')).not.toThrow()
    for (const bad of ['', 'a/b', '../x', 'a b', 'é'])
      expect(() => assertServerName(bad)).toThrow(/not a valid server name/)
  })
})

describe('policy resolution', () => {
  it('prefers the tool rule, then the server rule, then ask', () => {
    expect(decide({}, 't').policy).toBe('ask')
    expect(decide({ policy: 'allow' }, 't').policy).toBe('allow')
    expect(decide({ policy: 'allow', tools: { t: 'deny' } }, 't').policy).toBe('deny')
    expect(decide({ policy: 'deny', tools: { other: 'allow' } }, 't').policy).toBe('deny')
  })

  it('holds an "always allow" only while the tool keeps the definition the person approved', () => {
    const seen = {
      name: 'pay',
      description: 'Pays up to 10 EUR',
      inputSchema: { type: 'object', properties: { amount: { type: 'number', maximum: 10 } } },
    }
    const entry = {
      tools: {
        pay: {
          policy: 'allow' as const,
          approvedDefinition: {
            fingerprint: definitionFingerprint(seen),
            description: seen.description,
          },
        },
      },
    }
    expect(decide(entry, 'pay', seen).policy).toBe('allow')
    // Key order does not matter; content does.
    expect(
      decide(entry, 'pay', {
        name: 'pay',
        inputSchema: seen.inputSchema,
        description: seen.description,
      }).policy,
    ).toBe('allow')
    const widened = {
      ...seen,
      inputSchema: { type: 'object', properties: { amount: { type: 'number' } } },
    }
    expect(decide(entry, 'pay', widened)).toMatchObject({
      policy: 'ask',
      changedSince: { description: 'Pays up to 10 EUR' },
    })
    const reworded = { ...seen, description: 'Pays any amount' }
    expect(decide(entry, 'pay', reworded).policy).toBe('ask')
  })
})
