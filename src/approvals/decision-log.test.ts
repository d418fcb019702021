import { appendFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { hashLine, verifyChain, type DecisionAnchor } from './decision-chain.js'
import { anchorFile, readChainFiles, splitLines, type AnchorFile } from './decision-files.js'
import { openDecisionLog, type DecisionLogOptions } from './decision-log.js'
import type { DecisionRecord } from './gate.js'

let home: string
let logs: string
let notices: string[]

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'decision-log-'))
  logs = join(home, 'logs')
  notices = []
})

const anchor = (): AnchorFile => anchorFile(home, join(home, 'key'))

function open(options: Partial<DecisionLogOptions> = {}) {
  return openDecisionLog(logs, {
    anchor: anchor(),
    notice: (text) => notices.push(text),
    ...options,
  })
}

async function verify() {
  const { files, missing } = await readChainFiles(logs)
  return verifyChain(files, await anchor().read(), missing)
}

async function lines(name = 'decisions.jsonl'): Promise<string[]> {
  return splitLines(await readFile(join(logs, name))).map((line) => line.toString())
}

const record = (tool: string, extra: Partial<DecisionRecord> = {}): DecisionRecord => ({
  server: 'up',
  tool,
  decision: 'allow',
  how: 'policy',
  ...extra,
})

describe('the decision log', () => {
  it('appends chained JSON lines with the arguments only as a hash and a redacted preview, and anchors the end', async () => {
    const log = open()
    log.write(
      record('pay', {
        client: 'claude-code',
        rule: 'tool policy',
        arguments: { amount: 5, token: 'abc', memo: 'm'.repeat(80) },
      }),
    )
    log.write(record('echo', { decision: 'deny', how: 'page' }))
    await log.close()
    const [first, second] = (await lines()).map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    )
    expect(first).toMatchObject({
      seq: 1,
      server: 'up',
      tool: 'pay',
      client: 'claude-code',
      decision: 'allow',
      how: 'policy',
      rule: 'tool policy',
      args: { amount: 5, token: '[redacted]', memo: `${'m'.repeat(40)}…` },
    })
    expect(first!.argsHash).toMatch(/^[0-9a-f]{64}$/)
    expect(second).toMatchObject({
      seq: 2,
      decision: 'deny',
      how: 'page',
      prev: hashLine((await lines())[0] as string),
    })
    expect(second).not.toHaveProperty('args')
    expect(await anchor().read()).toEqual({
      lines: 2,
      last: hashLine((await lines())[1] as string),
    })
    expect(await verify()).toEqual({ decisions: 2, unanchored: 0 })
    expect(notices).toEqual([])
  })

  it('records the hashes of both versions when a person edited the arguments before approving', async () => {
    const log = open()
    log.write(
      record('book', {
        how: 'page',
        arguments: { city: 'Paris' },
        argumentsHash: 'a'.repeat(64),
        editedArgumentsHash: 'b'.repeat(64),
      }),
    )
    await log.close()
    const [line] = (await lines()).map((text) => JSON.parse(text) as Record<string, unknown>)
    expect(line).toMatchObject({
      tool: 'book',
      argsHash: 'a'.repeat(64),
      editedArgsHash: 'b'.repeat(64),
      args: { city: 'Paris' },
    })
    expect(await verify()).toEqual({ decisions: 1, unanchored: 0 })
  })

  it('serializes concurrent appends and never moves the anchor past what is on disk', async () => {
    const real = anchor()
    const seen: Array<{ anchored: number; onDisk: number }> = []
    const watching: AnchorFile = {
      read: () => real.read(),
      async write(next: DecisionAnchor) {
        seen.push({ anchored: next.lines, onDisk: (await lines()).length })
        await real.write(next)
      },
    }
    const log = open({ anchor: watching })
    await log.flushed()
    for (let i = 0; i < 100; i++) {
      log.write(record(`t${i}`))
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve))
      // Decisions within the batch window share one write; a flush mid-way makes a second batch
      // while appends go on.
      if (i === 50) void log.flushed()
    }
    await log.close()
    expect((await lines()).map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    )
    expect(seen.length).toBeGreaterThan(1)
    expect(seen.length).toBeLessThan(100) // batched
    for (const { anchored, onDisk } of seen) expect(anchored).toBeLessThanOrEqual(onDisk)
    expect(await verify()).toEqual({ decisions: 100, unanchored: 0 })
  })

  it('writes allowed calls within 50 ms, seals them (fsync, anchor) at most once per window, and a person’s decision at once', async () => {
    const anchoredLines = async () => (await anchor().read())?.lines ?? 0
    let log = open({ sealWindowMs: 60_000 })
    log.write(record('first'))
    // The first batch after start is sealed at once; the next ones wait for the window.
    await expect.poll(anchoredLines).toBe(1)
    log.write(record('second'))
    log.write(record('third'))
    await expect.poll(async () => (await lines()).length).toBe(3)
    expect(await anchoredLines()).toBe(1)
    log.write(record('approved', { how: 'page' }))
    await expect.poll(anchoredLines).toBe(4)
    log.write(record('fourth'))
    await expect.poll(async () => (await lines()).length).toBe(5)
    expect(await anchoredLines()).toBe(4)
    await log.flushed()
    expect(await anchoredLines()).toBe(5)
    await log.close()
    // With no decision after them, the last lines are sealed when the window ends.
    log = open({ sealWindowMs: 300 })
    log.write(record('a'))
    await expect.poll(anchoredLines).toBe(6)
    log.write(record('b'))
    await expect.poll(anchoredLines, { timeout: 5000 }).toBe(7)
    await log.close()
    expect(await verify()).toEqual({ decisions: 7, unanchored: 0 })
  })

  it('rotates into numbered files and keeps the chain across them, also across a restart', async () => {
    let log = open({ maxFileBytes: 700 })
    for (let i = 0; i < 6; i++) log.write(record(`tool-${i}`))
    await log.close()
    log = open({ maxFileBytes: 700 })
    for (let i = 6; i < 12; i++) log.write(record(`tool-${i}`))
    await log.close()
    const names = (await readdir(logs)).filter((name) => name.endsWith('.jsonl')).sort()
    expect(names.length).toBeGreaterThanOrEqual(3)
    expect(names).toContain('decisions.1.jsonl')
    const firstOfSecond = JSON.parse((await lines('decisions.2.jsonl'))[0] as string) as {
      prev: string
    }
    expect(firstOfSecond.prev).toBe(hashLine((await lines('decisions.1.jsonl')).at(-1) as string))
    expect(await verify()).toEqual({ decisions: 12, unanchored: 0 })
  })

  it('migrates the old plain-text decisions.log once, saying so once', async () => {
    await mkdir(logs, { recursive: true })
    await writeFile(
      join(logs, 'decisions.log'),
      '2025-01-02T03:04:05.000Z up "add" allow terminal\n2025-01-02T03:05:00.000Z up "echo" deny timeout\nsomething else\n',
    )
    let log = open()
    log.write(record('new'))
    await log.close()
    const entries = (await lines()).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(entries.slice(0, 3)).toEqual([
      expect.objectContaining({
        seq: 1,
        time: '2025-01-02T03:04:05.000Z',
        server: 'up',
        tool: 'add',
        decision: 'allow',
        how: 'terminal',
        migrated: true,
      }),
      expect.objectContaining({
        seq: 2,
        tool: 'echo',
        decision: 'deny',
        how: 'timeout',
        migrated: true,
      }),
      expect.objectContaining({ seq: 3, unparsed: 'something else', migrated: true }),
    ])
    expect(entries[3]).toMatchObject({ seq: 4, tool: 'new' })
    expect(entries[3]).not.toHaveProperty('migrated')
    const names = await readdir(logs)
    expect(names).toContain('decisions.log.migrated')
    expect(names).not.toContain('decisions.log')
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(
      /Carried 3 earlier decisions from .*decisions\.log into the hash-chained .*decisions\.jsonl/,
    )
    log = open()
    await log.close()
    expect(notices).toHaveLength(1)
    expect(await verify()).toEqual({ decisions: 4, unanchored: 0 })
  })

  it('keeps a cut-off end on record when the bridge starts again and goes on writing', async () => {
    let log = open()
    for (const tool of ['a', 'b', 'c']) log.write(record(tool))
    await log.close()
    const kept = (await lines()).slice(0, 1)
    await writeFile(join(logs, 'decisions.jsonl'), `${kept.join('\n')}\n`)
    log = open()
    log.write(record('d'))
    await log.close()
    expect(notices.join('\n')).toMatch(
      /no longer matches its anchor \(cut off at the end: the anchor recorded 3 decisions, the log held 1/,
    )
    const report = await verify()
    expect(report.broken).toMatchObject({
      kind: 'cut off at the end',
      file: 'decisions.jsonl',
      line: 2,
    })
    expect(report.broken?.foundAt).toBeTruthy()
  })

  it('drops a last line cut short by a crash, which was never anchored', async () => {
    const log = open()
    log.write(record('a'))
    await log.close()
    await appendFile(join(logs, 'decisions.jsonl'), '{"seq":2,"time":"2025')
    const again = open()
    again.write(record('b'))
    await again.close()
    expect(notices.join('\n')).toMatch(/was incomplete .* and was removed/)
    expect(await verify()).toEqual({ decisions: 2, unanchored: 0 })
  })
})
