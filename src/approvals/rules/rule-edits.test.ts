// Rule changes made by hand (the dashboard's forms): each one applied to a plain server entry,
// and written to a real config.json, which a refused change leaves byte for byte as it was.
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolvePaths } from '../../config/paths.js'
import { defaultConfig, type ServerEntry } from '../../config/schema.js'
import { ensureHome, writeConfig } from '../../config/store.js'
import { applyRuleEdit, checkRuleEdit } from './rule-edits.js'
import { writeRuleEdit } from './rule-writes.js'

const NOW = Date.UTC(2026, 11, 3, 11, 0, 0)
const entry = (extra: Partial<ServerEntry> = {}): ServerEntry => ({
  url: 'https://mcp.example.com/mcp',
  auth: 'none',
  ...extra,
})

describe('applyRuleEdit', () => {
  it("sets the server's rule and a tool's rule; a tool rule ends the tool's open window", () => {
    const server = entry({
      windows: {
        send_money: { until: new Date(NOW + 3_600_000).toISOString() },
        old: { until: new Date(NOW - 1).toISOString() },
      },
    })
    expect(applyRuleEdit(server, { kind: 'server-rule', policy: 'deny' }, NOW)).toMatchObject({
      ok: true,
      summary: 'Tool calls now default to deny.',
    })
    expect(
      applyRuleEdit(server, { kind: 'tool-rule', tool: 'send_money', policy: 'ask' }, NOW),
    ).toEqual({
      ok: true,
      summary: 'Calls to send_money are now ask (its time window is ended).',
      endedWindow: true,
    })
    expect(server).toEqual(entry({ policy: 'deny', tools: { send_money: 'ask' } }))
  })

  it('adds argument rules after the ones there, and removes one only while it is the rule the person saw', () => {
    const server = entry()
    applyRuleEdit(
      server,
      { kind: 'add-when', tool: 'send_money', policy: 'allow', when: 'args.amount <= 20' },
      NOW,
    )
    expect(
      applyRuleEdit(
        server,
        { kind: 'add-when', tool: 'send_money', policy: 'deny', when: 'args.amount > 1000' },
        NOW,
      ),
    ).toEqual({
      ok: true,
      summary: 'Argument rule #2 for send_money: deny when args.amount > 1000',
      number: 2,
    })
    const stale = applyRuleEdit(
      server,
      { kind: 'remove-when', tool: 'send_money', number: 1, when: 'args.amount > 1000' },
      NOW,
    )
    expect(stale).toEqual({
      ok: false,
      problem: {
        message:
          'send_money has no argument rule #1 "args.amount > 1000" any more: its rules changed since the page was shown. Nothing was removed; look at the rules again.',
      },
    })
    expect(server.whenRules?.send_money).toHaveLength(2)
    expect(
      applyRuleEdit(
        server,
        { kind: 'remove-when', tool: 'send_money', number: 2, when: 'args.amount > 1000' },
        NOW,
      ),
    ).toEqual({
      ok: true,
      summary: 'Removed argument rule #2 of send_money: args.amount > 1000',
      number: 2,
    })
    applyRuleEdit(
      server,
      { kind: 'remove-when', tool: 'send_money', number: 1, when: 'args.amount <= 20' },
      NOW,
    )
    // The last rule gone, nothing of them is left in config.json.
    expect(server).toEqual(entry())
  })

  it('turns read-only tools on afresh (nothing recorded yet) and off', () => {
    const server = entry({ readOnly: { policy: 'allow', definitions: { get_balance: 'old' } } })
    applyRuleEdit(server, { kind: 'read-only', on: true }, NOW)
    expect(server.readOnly).toEqual({ policy: 'allow', definitions: {} })
    applyRuleEdit(server, { kind: 'read-only', on: false }, NOW)
    expect(server).toEqual(entry())
  })
})

describe('checkRuleEdit', () => {
  it('refuses an expression that does not parse, type-check or fit, with where', async () => {
    expect(
      await checkRuleEdit({
        kind: 'add-when',
        tool: 't',
        policy: 'allow',
        when: 'args.amount <= 20',
      }),
    ).toBeUndefined()
    expect(
      await checkRuleEdit({
        kind: 'add-when',
        tool: 't',
        policy: 'allow',
        when: 'args.amount <= 20 && tool + 1 == "x"',
      }),
    ).toEqual({
      message: 'type error: no such overload: string + int',
      line: 1,
      column: 22,
      pointer: 'args.amount <= 20 && tool + 1 == "x"\n                     ^',
    })
    expect(
      (
        await checkRuleEdit({
          kind: 'add-when',
          tool: 't',
          policy: 'allow',
          when: `args.note == "${'x'.repeat(2100)}"`,
        })
      )?.message,
    ).toMatch(/limit is 2048/)
    expect(await checkRuleEdit({ kind: 'tool-rule', tool: 't', policy: 'deny' })).toBeUndefined()
  })
})

describe('writeRuleEdit', () => {
  it('writes an accepted change, and leaves config.json byte for byte as it was for a refused one', async () => {
    const paths = resolvePaths({
      MCP_OAUTH_BRIDGE_HOME: await mkdtemp(join(tmpdir(), 'rule-edits-')),
    })
    await ensureHome(paths)
    await writeConfig(paths, { ...defaultConfig(), servers: { pay: entry() } })
    const written = await writeRuleEdit(paths, 'pay', {
      kind: 'add-when',
      tool: 'send_money',
      policy: 'allow',
      when: 'args.amount <= 20',
    })
    expect(written).toMatchObject({
      ok: true,
      summary: 'Argument rule #1 for send_money: allow when args.amount <= 20',
    })
    expect(written.ok && written.config.servers.pay?.whenRules).toEqual({
      send_money: [{ when: 'args.amount <= 20', policy: 'allow' }],
    })

    const before = await readFile(paths.config, 'utf8')
    expect(
      await writeRuleEdit(paths, 'pay', {
        kind: 'add-when',
        tool: 'send_money',
        policy: 'allow',
        when: 'args.amount <=',
      }),
    ).toMatchObject({
      ok: false,
      problem: { message: expect.stringMatching(/^syntax error: /), line: 1 },
    })
    expect(
      await writeRuleEdit(paths, 'pay', {
        kind: 'remove-when',
        tool: 'send_money',
        number: 1,
        when: 'args.amount <= 21',
      }),
    ).toMatchObject({ ok: false })
    expect(await writeRuleEdit(paths, 'gone', { kind: 'server-rule', policy: 'deny' })).toEqual({
      ok: false,
      problem: { message: 'There is no server named "gone" any more.' },
    })
    expect(await readFile(paths.config, 'utf8')).toBe(before)
  })
})
