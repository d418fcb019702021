// The stdio side: a local command that an MCP client launches, driven the way a client drives
// it (initialize, notifications/initialized, then tools/call after tools/call, one at a time),
// with its own CPU time per call from /proc and its peak memory. Used for the bridge's `stdio`
// relay and for mcp-remote as a client of the same upstream.
import { spawn } from 'node:child_process'
import { processCpuMicros, processStatusKb } from './lib.mjs'

const INIT = {
  jsonrpc: '2.0',
  id: 'init',
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'bench-stdio', version: '1' },
  },
}

/** Spawns `command args`, sends `calls` echo calls after a warm-up; resolves with { cpuUs, peakMb }. */
export async function measureStdio(command, args, env, calls, track) {
  const child = track(spawn(command, args, { env, stdio: ['pipe', 'pipe', 'ignore'] }))
  const waiting = new Map()
  let rest = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      if (!line.trim()) continue
      let message
      try {
        message = JSON.parse(line)
      } catch {
        continue
      }
      const done = waiting.get(message.id)
      if (done) {
        waiting.delete(message.id)
        done(message)
      }
    }
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const ask = (message, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${args.join(' ')}: no answer to ${message.method} within ${timeoutMs / 1000} s`,
            ),
          ),
        timeoutMs,
      )
      waiting.set(message.id, (answer) => {
        clearTimeout(timer)
        resolve(answer)
      })
      child.stdin.write(`${JSON.stringify(message)}\n`)
    })
  const initialized = await Promise.race([
    ask(INIT),
    exited.then((code) => {
      throw new Error(`${args.join(' ')} exited (${code}) before initialize was answered`)
    }),
  ])
  if (!initialized.result)
    throw new Error(
      `${args.join(' ')}: initialize failed: ${JSON.stringify(initialized).slice(0, 300)}`,
    )
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`)
  let id = 0
  const call = async () => {
    const answer = await ask({
      jsonrpc: '2.0',
      id: ++id,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'hello' } },
    })
    if (!JSON.stringify(answer).includes('"hello"'))
      throw new Error(`${args.join(' ')}: echo answered ${JSON.stringify(answer).slice(0, 300)}`)
  }
  for (let i = 0; i < Math.min(200, calls); i++) await call()
  const before = processCpuMicros(child.pid)
  for (let i = 0; i < calls; i++) await call()
  const cpuUs = (processCpuMicros(child.pid) - before) / calls
  const peakMb = processStatusKb(child.pid, 'VmHWM') / 1024
  child.stdin.end()
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
  await exited
  clearTimeout(timer)
  return { cpuUs, peakMb }
}
