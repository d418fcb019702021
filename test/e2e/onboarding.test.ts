// The commands a newcomer meets after `add`: `connect` (and --write into a client's config),
// `stdio` for clients that launch local commands, and `doctor` on a healthy and a broken setup.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { cliEnv, makeHome, runCli, type RunningCli } from './cli-process.js'
import { startBridgeFor, stdioCommand } from './bridge-setup.js'

describe('connect, stdio and doctor', () => {
  let fixture: OAuthFixture
  let home: string
  let env: NodeJS.ProcessEnv
  let bridge: RunningCli
  let port: string

  beforeAll(async () => {
    fixture = await startOAuthFixture()
    ;({ home, env, bridge, port } = await startBridgeFor(
      { demo: { url: fixture.mcpUrl, policy: 'allow' } },
      { auth: true },
    ))
  })
  afterAll(async () => {
    await bridge.stop()
    await fixture.close()
  })

  it('prints the exact command for Claude Code, and JSON entries for the others', async () => {
    const claude = await runCli(['connect', 'demo'], env)
    // The running bridge's port (found through its runtime file), not config.json's 3000. Claude
    // Code logs in to the bridge itself, so no header; --token gives the header form.
    expect(claude.stdout).toBe(
      `claude mcp add --transport http demo http://localhost:${port}/mcp/demo\n`,
    )
    // The bridge may have been started by `demo` as well as `start`: the note names neither.
    expect(claude.stderr).toMatch(
      /logs in to the bridge by itself: .*sign in with the one-time login link the bridge printed when it started \(`mcp-oauth-bridge open` gives a fresh one\)/,
    )
    const withToken = await runCli(['connect', 'demo', '--token'], env)
    expect(withToken.stdout).toMatch(
      new RegExp(
        `^claude mcp add --transport http demo http://localhost:${port}/mcp/demo --header "Authorization: Bearer mob_[\\w-]+"\\n$`,
      ),
    )
    // Claude Desktop launches the command without this shell's MCP_OAUTH_BRIDGE_HOME: the entry names it.
    const desktop = JSON.parse((await runCli(['connect', 'demo', 'claude-desktop'], env)).stdout)
    expect(desktop).toEqual({
      mcpServers: {
        demo: {
          command: 'mcp-oauth-bridge',
          args: ['stdio', 'demo'],
          env: { MCP_OAUTH_BRIDGE_HOME: home },
        },
      },
    })
    const vscode = JSON.parse((await runCli(['connect', 'demo', 'vscode'], env)).stdout)
    expect(vscode.servers.demo).toEqual({ type: 'http', url: `http://localhost:${port}/mcp/demo` })
    const sdk = (await runCli(['connect', 'demo', 'sdk'], env)).stdout
    expect(sdk).toMatch(/Authorization: "Bearer mob_/)
    expect(sdk).toContain('authProvider')
    expect((await runCli(['connect', 'demo', 'emacs'], env)).code).toBe(2)
  })

  it('--write adds the entry to a client config, keeps the rest and makes a backup', async () => {
    const file = join(home, 'cursor-mcp.json')
    await writeFile(
      file,
      JSON.stringify({ mcpServers: { other: { url: 'https://example.com/mcp' } }, theme: 'dark' }),
    )
    const write = await runCli(['connect', 'demo', 'cursor', '--write', '--file', file], env)
    expect(write.code, write.stderr).toBe(0)
    const written = JSON.parse(await readFile(file, 'utf8'))
    expect(written.theme).toBe('dark')
    expect(written.mcpServers.other).toEqual({ url: 'https://example.com/mcp' })
    expect(written.mcpServers.demo).toEqual({ url: `http://localhost:${port}/mcp/demo` })
    const withToken = await runCli(
      ['connect', 'demo', 'cursor', '--write', '--token', '--file', file],
      env,
    )
    expect(withToken.code, withToken.stderr).toBe(0)
    expect(JSON.parse(await readFile(file, 'utf8')).mcpServers.demo.headers.Authorization).toMatch(
      /^Bearer mob_/,
    )
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await readdir(home)).some((name) => name.startsWith('cursor-mcp.json.backup-'))).toBe(
      true,
    )

    const desktopFile = join(home, 'claude_desktop_config.json')
    const desktop = await runCli(
      ['connect', 'demo', 'claude-desktop', '--write', '--file', desktopFile],
      env,
    )
    expect(desktop.code, desktop.stderr).toBe(0)
    expect(JSON.parse(await readFile(desktopFile, 'utf8')).mcpServers.demo.env).toEqual({
      MCP_OAUTH_BRIDGE_HOME: home,
    })

    const broken = join(home, 'broken.json')
    await writeFile(broken, '{ not json')
    const refused = await runCli(['connect', 'demo', 'cursor', '--write', '--file', broken], env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/is not valid JSON, so it was left alone/)
    expect(await readFile(broken, 'utf8')).toBe('{ not json')
  })

  it('stdio serves an SDK stdio client through the running bridge', async () => {
    const client = new Client({ name: 'stdio-e2e', version: '1.0.0' })
    await client.connect(new StdioClientTransport(stdioCommand(env, 'demo', port)))
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('echo')
    const result = (await client.callTool({ name: 'echo', arguments: { text: 'over stdio' } })) as {
      content: Array<{ text: string }>
    }
    expect(result.content[0]?.text).toBe('over stdio')
    await bridge.waitForOutput(/demo tools\/call echo 200/, 0)
    await client.close()
  })

  it('stdio says how to start a bridge when none runs', async () => {
    const free = await runCli(['stdio', 'demo', '--port', String(await freePort())], env)
    expect(free.code).toBe(1)
    expect(free.stdout).toBe('')
    expect(free.stderr).toMatch(
      /No bridge is running on port \d+[\s\S]*mcp-oauth-bridge start[\s\S]*--standalone/,
    )
  })

  it('doctor reports a healthy setup', async () => {
    await writeConfigPort(home, Number(port))
    const doctor = await runCli(['doctor'], env)
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0)
    expect(doctor.stdout).toMatch(/✔ Node\.js/)
    expect(doctor.stdout).toMatch(/✔ token store: opens with the key/)
    // A home made by `add` (no `init`) records its key's place as init does.
    expect(doctor.stdout).toMatch(
      /✔ key storage: the key file .*\(recorded in .*key-storage\.json\)/,
    )
    expect(doctor.stdout).toMatch(new RegExp(`✔ bridge: running on port ${port}`))
    expect(doctor.stdout).toMatch(/✔ server demo: .* is reachable; authorization server/)
    expect(doctor.stdout).toMatch(/✔ server demo token: valid/)
  })
})

describe('doctor on a broken setup', () => {
  it('names each problem with its fix: bad key, port taken, unreachable server, stopped demo', async () => {
    const fixture = await startOAuthFixture()
    const home = await makeHome()
    const env = cliEnv(home)
    expect((await runCli(['add', 'gone', fixture.mcpUrl], env)).code).toBe(0)
    await fixture.close()
    const squatter: Server = createServer((_req, res) =>
      res.writeHead(200, { server: 'squatter' }).end('hello'),
    )
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    try {
      await writeConfigPort(home, (squatter.address() as AddressInfo).port)
      // The entry `demo` leaves behind when it stops: its server's loopback address, now closed.
      const file = join(home, 'config.json')
      const config = JSON.parse(await readFile(file, 'utf8'))
      config.servers.demo = { url: `http://127.0.0.1:${await freePort()}/mcp`, auth: 'oauth' }
      await writeFile(file, JSON.stringify(config))
      await writeFile(join(home, 'key'), randomBytes(32).toString('base64'))
      const doctor = await runCli(['doctor'], env)
      expect(doctor.code).toBe(1)
      expect(doctor.stdout).toMatch(
        /✖ token store: Cannot read the token store .* the key does not open it[\s\S]*→ Restore the matching key file/,
      )
      expect(doctor.stdout).toMatch(
        /✖ bridge: port \d+ is taken: something else answers there \(HTTP 200, squatter\)[\s\S]*→ Stop that program/,
      )
      expect(doctor.stdout).toMatch(
        /✖ server gone: Cannot reach .*connection was refused\.\n\s+→ Check the address/,
      )
      expect(doctor.stdout).toMatch(
        /✖ server demo: Cannot reach .*connection was refused\.\n\s+→ This is the demo's own server, which runs only while `mcp-oauth-bridge demo` does: run it again to bring it back, or `mcp-oauth-bridge remove demo` to drop it\./,
      )
      expect(doctor.stderr).toMatch(/checks failed/)
    } finally {
      squatter.close()
    }
  })
})

async function writeConfigPort(home: string, port: number): Promise<void> {
  const file = join(home, 'config.json')
  const config = JSON.parse(await readFile(file, 'utf8'))
  await writeFile(file, JSON.stringify({ ...config, port }))
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
