// Commands find the bridge that actually runs: `start` and `demo` name their port in the runtime
// file, and `connect`, `stdio`, `approvals`, `doctor` and `add` use it unless --port is given;
// a stale file (dead pid, or a port that no longer answers as that bridge) is ignored, and the
// file goes away when the bridge stops. --port is checked the same way by every command.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolvePaths } from '../../src/config/paths.js'
import type { BridgeRuntime } from '../../src/server/runtime-file.js'
import { EncryptedFileTokenStore } from '../../src/tokens/encrypted-file-store.js'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import { CLI, cliEnv, makeHome, runCli, spawnCli, type InteractiveCli } from './cli-process.js'

type ToolResult = { isError?: boolean; content: Array<{ text: string }> }

describe('commands without --port talk to the bridge `start --port` runs', () => {
  let fixture: OAuthFixture
  let home: string
  let env: NodeJS.ProcessEnv
  let bridge: InteractiveCli
  let port: number

  beforeAll(async () => {
    fixture = await startOAuthFixture()
    home = await makeHome()
    env = cliEnv(home)
    expect((await runCli(['add', 'demo', fixture.mcpUrl, '--policy', 'allow'], env)).code).toBe(0)
    // config.json keeps port 3000; nothing below may reach for it.
    port = await freePort()
    bridge = await startBridge(['--port', String(port)], env)
  })
  afterAll(async () => {
    await stopBridge(bridge, 'SIGINT')
    await fixture.close()
  })

  it('the runtime file names the bridge: port, host, pid, URL, start time, and the instance /health reports', async () => {
    const runtime = await readRuntime(home)
    expect(runtime).toMatchObject({
      port,
      host: '127.0.0.1',
      pid: bridge.child.pid,
      url: `http://127.0.0.1:${port}`,
      version: expect.any(String),
    })
    expect(Date.parse(runtime.startedAt)).not.toBeNaN()
    if (process.platform !== 'win32')
      expect((await stat(join(home, 'runtime.json'))).mode & 0o777).toBe(0o600)
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
      instanceId: string
      pid: number
    }
    expect(health).toMatchObject({ instanceId: runtime.instanceId, pid: runtime.pid })
  })

  it('connect --json prints the running port, and that URL and header work', async () => {
    const connect = await runCli(['connect', 'demo', '--json'], env)
    expect(connect.code, connect.stderr).toBe(0)
    const connection = JSON.parse(connect.stdout) as {
      url: string
      headers: Record<string, string>
    }
    expect(connection.url).toBe(`http://localhost:${port}/mcp/demo`)
    const client = new Client({ name: 'discovery-e2e', version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(connection.url), {
        requestInit: { headers: connection.headers },
      }),
    )
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('echo')
    await client.close()
  })

  it('connect prints the Claude Code line with the running port', async () => {
    const connect = await runCli(['connect', 'demo'], env)
    expect(connect.stdout).toBe(
      `claude mcp add --transport http demo http://localhost:${port}/mcp/demo\n`,
    )
    expect(connect.stderr).not.toMatch(/No bridge is running/)
  })

  it('connect --write puts the running port into the client config', async () => {
    const file = join(home, 'vscode-mcp.json')
    const write = await runCli(['connect', 'demo', 'vscode', '--write', '--file', file], env)
    expect(write.code, write.stderr).toBe(0)
    const written = JSON.parse(await readFile(file, 'utf8')) as {
      servers: { demo: { url: string } }
    }
    expect(written.servers.demo.url).toBe(`http://localhost:${port}/mcp/demo`)
  })

  it('stdio relays an SDK stdio client to the running bridge', async () => {
    const client = new Client({ name: 'stdio-discovery', version: '1.0.0' })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'stdio', 'demo'],
        env: env as Record<string, string>,
        stderr: 'pipe',
      }),
    )
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('echo')
    const result = (await client.callTool({
      name: 'echo',
      arguments: { text: 'found it' },
    })) as ToolResult
    expect(result.content[0]?.text).toBe('found it')
    await bridge.waitFor(/demo tools\/call echo 200/)
    await client.close()
  })

  it("approvals lists and decides the running bridge's held calls", async () => {
    expect((await runCli(['policy', 'demo', 'echo', 'ask'], env)).code).toBe(0)
    const client = new Client({ name: 'approvals-discovery', version: '1.0.0' })
    const connection = JSON.parse((await runCli(['connect', 'demo', '--json'], env)).stdout) as {
      url: string
      headers: Record<string, string>
    }
    await client.connect(
      new StreamableHTTPClientTransport(new URL(connection.url), {
        requestInit: { headers: connection.headers },
      }),
    )
    try {
      // The policy change reaches the bridge through its config watch; until then calls pass.
      await bridge.waitFor(/config\.json changed: reloaded/)
      const call = client.callTool({ name: 'echo', arguments: { text: 'held' } })
      let held: Array<{ id: string; tool: string }> = []
      await expect
        .poll(async () => {
          const list = await runCli(['approvals', '--json'], env)
          expect(list.code, list.stderr).toBe(0)
          held = JSON.parse(list.stdout) as typeof held
          return held.length
        })
        .toBe(1)
      expect(held[0]?.tool).toBe('echo')
      const approve = await runCli(['approvals', 'approve', held[0]!.id], env)
      expect(approve.code, approve.stderr).toBe(0)
      expect(((await call) as ToolResult).content[0]?.text).toBe('held')
    } finally {
      await client.close()
      await runCli(['policy', 'demo', 'echo', 'allow'], env)
    }
  })

  it('doctor says which bridge it found', async () => {
    const doctor = await runCli(['doctor'], env)
    expect(doctor.stdout).toMatch(
      new RegExp(`✔ bridge: running on port ${port} \\(pid ${bridge.child.pid}, version `),
    )
  })

  it("add's closing line names the running bridge's port", async () => {
    const add = await runCli(['add', 'second', fixture.mcpUrl, '--policy', 'allow'], env)
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toContain(`the running bridge (port ${port}) serves it now`)
    expect(add.stderr).toContain(`http://localhost:${port}/mcp/second`)
  })

  it('--port still wins over the running bridge', async () => {
    const elsewhere = await freePort()
    const connect = JSON.parse(
      (await runCli(['connect', 'demo', '--json', '--port', String(elsewhere)], env)).stdout,
    ) as { url: string }
    expect(connect.url).toBe(`http://localhost:${elsewhere}/mcp/demo`)
    const stdio = await runCli(['stdio', 'demo', '--port', String(elsewhere)], env)
    expect(stdio.code).toBe(1)
    expect(stdio.stderr).toContain(`No bridge is running on port ${elsewhere} (--port)`)
    const approvals = await runCli(['approvals', '--port', String(elsewhere)], env)
    expect(approvals.code).toBe(1)
    expect(approvals.stderr).toContain(`No bridge is answering on port ${elsewhere} (--port)`)
    const doctor = await runCli(['doctor', '--port', String(elsewhere)], env)
    expect(doctor.stdout).toContain(`! bridge: none runs on port ${elsewhere}`)
  })

  // Last here: it ends the fixture's grants.
  it("token, which needs no bridge, names the running one's dashboard when a login is needed", async () => {
    await fixture.revokeAllGrants()
    await new EncryptedFileTokenStore(resolvePaths(env)).update('demo', (current) => ({
      ...current,
      tokens: {
        ...current!.tokens!,
        obtained_at: Date.now() - 3_600_000,
        expires_at: Date.now() - 1_000,
      },
    }))
    const token = await runCli(['token', 'demo'], env)
    expect(token.code).toBe(1)
    expect(token.stderr).toContain('Run `mcp-oauth-bridge login demo`.')
    expect(token.stderr).toContain(
      `Or press Re-authorize on the dashboard of the bridge running on port ${port}.`,
    )
  })
})

describe('a stale runtime file is ignored', () => {
  let home: string
  let env: NodeJS.ProcessEnv
  let configPort: number

  beforeAll(async () => {
    home = await makeHome()
    env = cliEnv(home)
    expect((await runCli(['init'], env)).code).toBe(0)
    // A configured port with nothing on it: where commands must fall back to.
    configPort = await freePort()
    const file = join(home, 'config.json')
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
    await writeFile(
      file,
      JSON.stringify({
        ...config,
        port: configPort,
        servers: { demo: { url: 'http://127.0.0.1:9/mcp', auth: 'none' } },
      }),
    )
  })

  async function expectFallback(reason: RegExp): Promise<void> {
    const connect = await runCli(['connect', 'demo', '--json'], env)
    expect(JSON.parse(connect.stdout)).toMatchObject({
      url: `http://localhost:${configPort}/mcp/demo`,
    })
    const stdio = await runCli(['stdio', 'demo'], env)
    expect(stdio.code).toBe(1)
    expect(stdio.stderr).toContain(`No bridge is running on port ${configPort} (config.json`)
    expect(stdio.stderr).toMatch(reason)
    const doctor = await runCli(['doctor'], env)
    expect(doctor.stdout).toMatch(
      new RegExp(
        `! bridge: none runs \\(port ${configPort} from config.json is free; ignored a stale runtime file \\(${reason.source}`,
      ),
    )
  }

  it('when its pid is not running', async () => {
    const gone = spawn(process.execPath, ['-e', '0'])
    await once(gone, 'exit')
    const listener = await listenHealth({
      service: 'mcp-oauth-bridge',
      version: '0',
      pid: gone.pid,
      instanceId: 'dead-bridge',
    })
    try {
      await writeRuntime(home, {
        instanceId: 'dead-bridge',
        pid: gone.pid!,
        port: portOf(listener),
      })
      await expectFallback(new RegExp(`pid ${gone.pid} is not running`))
    } finally {
      listener.close()
    }
  })

  it('when its pid is alive but /health on its port answers as another bridge', async () => {
    const listener = await listenHealth({
      service: 'mcp-oauth-bridge',
      version: '0',
      pid: process.pid,
      instanceId: 'a-newer-bridge',
    })
    try {
      await writeRuntime(home, {
        instanceId: 'the-bridge-that-wrote-it',
        pid: process.pid,
        port: portOf(listener),
      })
      await expectFallback(/port \d+ is another bridge/)
    } finally {
      listener.close()
    }
  })

  it('when its pid is alive but its port holds something else', async () => {
    const squatter = createServer((_req, res) =>
      res.writeHead(200, { server: 'web-dev-server' }).end('hello'),
    )
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    try {
      await writeRuntime(home, {
        instanceId: 'the-bridge-that-wrote-it',
        pid: process.pid,
        port: portOf(squatter),
      })
      await expectFallback(/port \d+: something else answers there/)
    } finally {
      squatter.close()
    }
  })
})

describe('the runtime file after the bridge', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`is removed when the bridge stops on ${signal}`, async () => {
      const home = await makeHome()
      const env = cliEnv(home)
      expect((await runCli(['init'], env)).code).toBe(0)
      const bridge = await startBridge(['--port', '0', '--no-auth'], env)
      expect((await readRuntime(home)).pid).toBe(bridge.child.pid)
      await stopBridge(bridge, signal)
      await expect(stat(join(home, 'runtime.json'))).rejects.toMatchObject({ code: 'ENOENT' })
    })
  }

  it('is taken back only by the bridge it names, and names a replaced bridge again while it runs', async () => {
    const home = await makeHome()
    const env = cliEnv(home)
    expect((await runCli(['init'], env)).code).toBe(0)
    const first = await startBridge(['--port', '0', '--no-auth'], env)
    const second = await startBridge(['--port', '0', '--no-auth'], env)
    expect((await readRuntime(home)).pid).toBe(second.child.pid)
    // The newer bridge stops: the older one still runs, so commands find it again.
    await stopBridge(second, 'SIGTERM')
    expect((await readRuntime(home)).pid).toBe(first.child.pid)
    const third = await startBridge(['--port', '0', '--no-auth'], env)
    // The older bridge stops while the file names the third: the file stays the third's.
    await stopBridge(first, 'SIGINT')
    const runtime = await readRuntime(home)
    expect(runtime.pid).toBe(third.child.pid)
    expect(JSON.parse((await runCli(['doctor', '--json'], env)).stdout)).toContainEqual(
      expect.objectContaining({
        check: 'bridge',
        status: 'ok',
        detail: expect.stringContaining(`running on port ${runtime.port} (pid ${third.child.pid}`),
      }),
    )
    await stopBridge(third, 'SIGINT')
    await expect(stat(join(home, 'runtime.json'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('is written by demo as soon as its bridge listens, and taken back on Ctrl-C even while the login waits', async () => {
    const home = await makeHome()
    // No BROWSER: the login waits for a person, with the demo's bridge already up.
    const env = { ...cliEnv(home), BROWSER: '' }
    const demo = spawnCli(['demo', '--no-browser', '--port', '0'], env)
    try {
      await demo.waitFor(/Open this URL in a browser to authorize/, 30_000)
      const runtime = await readRuntime(home)
      expect(runtime.pid).toBe(demo.child.pid)
      const connect = JSON.parse((await runCli(['connect', 'demo', '--json'], env)).stdout) as {
        url: string
      }
      expect(connect.url).toBe(`http://localhost:${runtime.port}/mcp/demo`)
    } finally {
      demo.child.kill('SIGINT')
      await demo.result
    }
    expect(demo.output()).toContain('Stopping before the login finished')
    await expect(stat(join(home, 'runtime.json'))).rejects.toMatchObject({ code: 'ENOENT' })
  }, 60_000)
})

describe('--port is checked the same way by every command', () => {
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    env = cliEnv(await makeHome())
    expect((await runCli(['init'], env)).code).toBe(0)
  })

  const commands: string[][] = [
    ['start'],
    ['demo'],
    ['connect', 'demo', '--json'],
    ['stdio', 'demo'],
    ['approvals'],
    ['doctor'],
  ]
  for (const command of commands) {
    it(`${command.join(' ')} --port exits 2 with the reason, before doing anything`, async () => {
      for (const bad of ['abc', '70000', '-1']) {
        const result = await runCli([...command, '--port', bad], env)
        expect(result.code, `${command.join(' ')} --port ${bad}`).toBe(2)
        expect(result.stderr).toContain(`"${bad}" is not a port number`)
        expect(result.stdout).toBe('')
      }
    })
  }

  it('0 picks a free port for start and demo only: the others need a real one', async () => {
    for (const command of [
      ['connect', 'demo', '--json'],
      ['stdio', 'demo'],
      ['approvals'],
      ['doctor'],
    ]) {
      const result = await runCli([...command, '--port', '0'], env)
      expect(result.code, command.join(' ')).toBe(2)
      expect(result.stderr).toContain('"0" is not a port number (1-65535)')
    }
  })

  it('add --callback-port goes through the same check', async () => {
    const result = await runCli(
      ['add', 'x', 'https://example.com/mcp', '--callback-port', '70000'],
      env,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('"70000" is not a port number')
  })
})

async function startBridge(args: string[], env: NodeJS.ProcessEnv): Promise<InteractiveCli> {
  const bridge = spawnCli(['start', ...args], env)
  await bridge.waitFor(/listening on http:\/\/localhost:\d+/)
  return bridge
}

async function stopBridge(bridge: InteractiveCli, signal: NodeJS.Signals): Promise<void> {
  if (bridge.child.exitCode !== null || bridge.child.signalCode !== null) return
  bridge.child.kill(signal)
  const result = await bridge.result
  expect(result.code, bridge.output()).toBe(0)
}

async function readRuntime(home: string): Promise<BridgeRuntime> {
  return JSON.parse(await readFile(join(home, 'runtime.json'), 'utf8')) as BridgeRuntime
}

async function writeRuntime(
  home: string,
  fields: { instanceId: string; pid: number; port: number },
): Promise<void> {
  const record: BridgeRuntime = {
    ...fields,
    host: '127.0.0.1',
    url: `http://127.0.0.1:${fields.port}`,
    startedAt: new Date().toISOString(),
    version: '0.0.0',
  }
  await writeFile(join(home, 'runtime.json'), JSON.stringify(record), { mode: 0o600 })
}

/** A listener whose /health answers `body`: stands in for a bridge that is not the one in the file. */
async function listenHealth(body: Record<string, unknown>): Promise<Server> {
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = portOf(server)
  await new Promise((resolve) => server.close(resolve))
  return port
}
