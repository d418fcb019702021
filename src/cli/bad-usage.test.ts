// Bad usage exits 2 with the reason, on every command, before the command does anything: an
// unknown option, a missing argument (or option value), and a bad value, for each entry of the
// command table.
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMMANDS } from './command-table.js'
import { main } from './main.js'

/** Per command: a missing required piece and a bad value, each with the words of the reason. */
const CASES: Record<string, { missing: [string[], RegExp]; bad: [string[], RegExp] }> = {
  init: {
    missing: [['init', '--force=yes'], /--force/],
    bad: [['init', 'extra'], /too many arguments/],
  },
  add: {
    missing: [['add', 'x'], /missing required argument 'url'/],
    bad: [
      ['add', 'x', 'https://example.com/mcp', '--policy', 'sometimes'],
      /Allowed choices are allow, ask, deny/,
    ],
  },
  'add-server': {
    missing: [['add-server'], /missing required argument 'name'/],
    bad: [
      ['add-server', 'x', 'https://example.com/mcp', '--callback-port', '70000'],
      /"70000" is not a port number/,
    ],
  },
  start: {
    missing: [['start', '--port'], /'--port <port>' argument missing/],
    bad: [['start', '--port', '1e3'], /"1e3" is not a port number/],
  },
  open: {
    missing: [['open', '--port'], /'--port <port>' argument missing/],
    bad: [['open', '--port', '0'], /"0" is not a port number \(1-65535\)/],
  },
  list: {
    missing: [['list', 'servers'], /too many arguments/],
    bad: [['list', '--json=yes'], /--json/],
  },
  login: {
    missing: [['login'], /missing required argument 'name'/],
    bad: [['login', 'a/b'], /"a\/b" is not a valid server name/],
  },
  logout: {
    missing: [['logout'], /missing required argument 'name'/],
    bad: [['logout', 'a b'], /not a valid server name/],
  },
  remove: {
    missing: [['remove'], /missing required argument 'name'/],
    bad: [['remove', '../x'], /not a valid server name/],
  },
  policy: {
    missing: [['policy'], /missing required argument 'name'/],
    bad: [['policy', 'x', 'tool', 'allow', '--for', 'ever'], /"ever" is not a duration/],
  },
  connect: {
    missing: [['connect'], /missing required argument 'name'/],
    bad: [['connect', 'x', 'emacs'], /Allowed choices are claude-code/],
  },
  approvals: {
    missing: [['approvals', 'approve', '1', '--args'], /'--args <json>' argument missing/],
    bad: [['approvals', 'approve', '1', '--args', '{nope'], /--args is not valid JSON/],
  },
  log: {
    missing: [['log', '--since'], /'--since <duration>' argument missing/],
    bad: [['log', '--since', '5'], /"5" is not a duration/],
  },
  clients: {
    missing: [['clients', '--port'], /'--port <port>' argument missing/],
    bad: [['clients', 'forget'], /Allowed choices are revoke, login-link/],
  },
  stdio: {
    missing: [['stdio'], /missing required argument 'name'/],
    bad: [['stdio', 'x', '--port', 'http'], /"http" is not a port number/],
  },
  doctor: {
    missing: [['doctor', '--port'], /'--port <port>' argument missing/],
    bad: [['doctor', '--port', '65536'], /"65536" is not a port number/],
  },
  'key move': {
    missing: [['key', 'move'], /missing required argument 'place'/],
    bad: [['key', 'move', 'cloud'], /Allowed choices are keychain, file/],
  },
  token: {
    missing: [['token'], /missing required argument 'name'/],
    bad: [['token', 'x y'], /not a valid server name/],
  },
  demo: {
    missing: [['demo', '--port'], /'--port <port>' argument missing/],
    bad: [['demo', '--port', '-1'], /"-1" is not a port number|unknown option '-1'/],
  },
}

let home: string

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mob-usage-'))
})
afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let text = ''
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString()))
  stdout.resume()
  const code = await main(
    argv,
    { stdout, stderr, stdin: new PassThrough() },
    { MCP_OAUTH_BRIDGE_HOME: home, NO_COLOR: '1' },
  )
  return { code, stderr: text }
}

describe('bad usage exits 2 with the reason, on every command', () => {
  it('has a case for every command in the table', () => {
    expect(Object.keys(CASES).sort()).toEqual(COMMANDS.map((command) => command.name).sort())
  })

  for (const spec of COMMANDS) {
    const words = spec.name.split(' ')
    const cases = CASES[spec.name]
    it(`${spec.name}: unknown option, missing argument, bad value`, async () => {
      const unknown = await run([...words, '--no-such-option'])
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toMatch(/unknown option '--no-such-option'/)
      if (!cases) throw new Error(`no case for ${spec.name}`)
      for (const [argv, reason] of [cases.missing, cases.bad]) {
        const result = await run(argv)
        expect(result.code, argv.join(' ')).toBe(2)
        expect(result.stderr, argv.join(' ')).toMatch(reason)
      }
      // Refused before the command ran: nothing was written to the bridge home.
      expect(await readdir(home)).toEqual([])
    })
  }
})

describe('the usage a command prints itself', () => {
  it('approvals approve without an id: every form with every option it takes', async () => {
    const result = await run(['approvals', 'approve'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('mcp-oauth-bridge approvals [--json]')
    expect(result.stderr).toContain(
      "mcp-oauth-bridge approvals approve <id> [--always | --for <duration>] [--args '<json>']",
    )
    expect(result.stderr).toContain('mcp-oauth-bridge approvals deny <id>')
    expect(result.stderr).toContain('mcp-oauth-bridge approvals watch [--json]')
    expect(result.stderr).toContain('--port <port>')
    expect(await readdir(home)).toEqual([])
  })
})
