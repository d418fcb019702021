// The decision log end to end: a bridge in front of a real upstream decides calls by policy and
// from the approvals API; `log` shows them (table, JSON, by server, by age), `log --verify`
// vouches for the chain, and an edit by hand, or a cut-off end, is named by file and line.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anchorFile } from '../../src/approvals/decision-files.js'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { cliEnv, makeHome, runCli, startBridgeProcess, type RunningCli } from './cli-process.js'
import { waitForPending } from './approvals-api.js'
import { addServer, connectClient } from './bridge-setup.js'

type ToolResult = { isError?: boolean; content: Array<{ text: string }> }

async function decide(bridge: RunningCli, decision: 'approve' | 'deny'): Promise<void> {
  const [held] = await waitForPending(bridge, 1)
  const response = await fetch(`${bridge.url}/approvals/api/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: held!.id, decision }),
  })
  expect(response.status).toBe(200)
}

describe('the decision log', () => {
  let fixture: OAuthFixture
  let home: string
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  let client: Client
  const logFile = () => join(home, 'logs', 'decisions.jsonl')

  beforeAll(async () => {
    fixture = await startOAuthFixture({ requireAuth: false })
    home = await makeHome()
    env = cliEnv(home)
    await addServer(env, 'up', { url: fixture.mcpUrl, tools: { add: 'allow', whoami: 'deny' } })
    // A log from an earlier version, carried into the chain when the bridge starts.
    await mkdir(join(home, 'logs'), { recursive: true })
    await writeFile(
      join(home, 'logs', 'decisions.log'),
      '2020-01-02T03:04:05.000Z up "echo" allow page\n',
    )
    bridge = await startBridgeProcess(env)
    client = await connectClient(bridge, 'up', 'decision-log-e2e')

    expect(
      ((await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })) as ToolResult).content[0]
        ?.text,
    ).toBe('3')
    expect(((await client.callTool({ name: 'whoami', arguments: {} })) as ToolResult).isError).toBe(
      true,
    )
    const approved = client.callTool({ name: 'echo', arguments: { text: 'approved' } })
    await decide(bridge, 'approve')
    expect(((await approved) as ToolResult).content[0]?.text).toBe('approved')
    const denied = client.callTool({ name: 'echo', arguments: { text: 'denied' } })
    await decide(bridge, 'deny')
    expect(((await denied) as ToolResult).isError).toBe(true)
    // Written in batches: wait until the anchor, moved right after each fsync, covers all five lines.
    const anchor = anchorFile(home, join(home, 'key'))
    while ((await anchor.read().catch(() => undefined))?.lines !== 5)
      await new Promise((resolve) => setTimeout(resolve, 20))
  })
  afterAll(async () => {
    await client?.close()
    await bridge?.stop()
    await fixture?.close()
  })

  it('carried the old plain-text log into the chain and said so on stderr', async () => {
    expect(bridge.output()).toMatch(/Carried 1 earlier decisions from .*decisions\.log/)
    expect(await readFile(join(home, 'logs', 'decisions.log.migrated'), 'utf8')).toContain(
      '"echo" allow page',
    )
  })

  it('shows the decisions as a table in local time', async () => {
    const result = await runCli(['log'], env)
    expect(result.code).toBe(0)
    const rows = result.stdout.trim().split('\n')
    expect(rows[0]).toMatch(/^TIME\s+SERVER\s+TOOL\s+CLIENT\s+DECISION\s+HOW$/)
    expect(rows).toHaveLength(6)
    expect(rows[1]).toMatch(/^2020-01-0[12] \d\d:\d\d\s+up\s+echo\s+-\s+allow\s+page \(migrated\)$/)
    expect(rows[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d\s+up\s+add\s+\S+\s+allow\s+policy$/)
    expect(rows[3]).toMatch(/\s+up\s+whoami\s+\S+\s+deny\s+policy$/)
    expect(rows[4]).toMatch(/\s+up\s+echo\s+\S+\s+allow\s+terminal$/)
    expect(rows[5]).toMatch(/\s+up\s+echo\s+\S+\s+deny\s+terminal$/)
  })

  it('prints the stored JSON lines with --json, and filters by --server and --since', async () => {
    const json = await runCli(['log', '--json'], env)
    expect(json.code).toBe(0)
    const entries = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(entries.map((entry) => [entry.seq, entry.tool, entry.decision, entry.how])).toEqual([
      [1, 'echo', 'allow', 'page'],
      [2, 'add', 'allow', 'policy'],
      [3, 'whoami', 'deny', 'policy'],
      [4, 'echo', 'allow', 'terminal'],
      [5, 'echo', 'deny', 'terminal'],
    ])
    expect(entries[0]).toMatchObject({ migrated: true })
    expect(entries.every((entry) => typeof entry.prev === 'string')).toBe(true)

    const recent = await runCli(['log', '--since', '1h', '--json'], env)
    expect(
      recent.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { seq: number }).seq),
    ).toEqual([2, 3, 4, 5])
    expect((await runCli(['log', '--server', 'up'], env)).stdout.trim().split('\n')).toHaveLength(6)
    const other = await runCli(['log', '--server', 'elsewhere'], env)
    expect(other.code).toBe(0)
    expect(other.stdout).toMatch(/No decisions match/)
  })

  it('verifies the chain, then names a line edited by hand and exits 1', async () => {
    const intact = await runCli(['log', '--verify'], env)
    expect(intact).toMatchObject({ code: 0 })
    expect(intact.stdout.trim()).toBe('5 decisions, chain intact')

    const original = await readFile(logFile(), 'utf8')
    const lines = original.split('\n')
    lines[2] = (lines[2] as string).replace('"decision":"deny"', '"decision":"allow"')
    await writeFile(logFile(), lines.join('\n'))
    const broken = await runCli(['log', '--verify'], env)
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(
      /decisions\.jsonl line 3 was edited; its bytes no longer hash to the prev that the next line \(decisions\.jsonl:4\) recorded/,
    )
    await writeFile(logFile(), original)
  })

  it('names the last line left when the end of the log was cut off', async () => {
    const original = await readFile(logFile(), 'utf8')
    const lines = original.split('\n').filter((line) => line !== '')
    expect(lines).toHaveLength(5)
    await writeFile(logFile(), `${lines.slice(0, 4).join('\n')}\n`)
    try {
      const cut = await runCli(['log', '--verify'], env)
      expect(cut.code).toBe(1)
      expect(cut.stderr).toMatch(
        /decisions\.jsonl: the lines after line 4 are missing \(cut off at the end\); the anchor records 5 decisions, the log holds 4: the last one is gone/,
      )
      expect(cut.stderr).not.toMatch(/line 5/)
    } finally {
      await writeFile(logFile(), original)
    }
  })

  it('refuses a bad --since with exit 2 and the reason', async () => {
    const result = await runCli(['log', '--since', '5x'], env)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/"5x" is not a duration/)
  })
})
