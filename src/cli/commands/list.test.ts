import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { resolvePaths } from '../../config/paths.js'
import { defaultConfig } from '../../config/schema.js'
import { ensureHome, writeConfig } from '../../config/store.js'
import { createContext } from '../context.js'
import { listCommand } from './list.js'

const homes: string[] = []
afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true })
})

describe('list', () => {
  it('counts the tool rules after the policy, one rule in the singular', async () => {
    const home = await mkdtemp(join(tmpdir(), 'list-'))
    homes.push(home)
    const env = { NO_COLOR: '1', MCP_OAUTH_BRIDGE_HOME: home }
    const paths = resolvePaths(env)
    await ensureHome(paths)
    await writeConfig(paths, {
      ...defaultConfig(),
      servers: {
        bare: { url: 'https://bare.example.com/mcp', auth: 'oauth', policy: 'ask' },
        one: {
          url: 'https://one.example.com/mcp',
          auth: 'oauth',
          policy: 'allow',
          tools: { pay: 'ask' },
        },
        two: {
          url: 'https://two.example.com/mcp',
          auth: 'oauth',
          policy: 'deny',
          tools: { read: 'allow', list: 'allow' },
        },
      },
    })
    const stdout = new PassThrough()
    let out = ''
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    await listCommand(
      createContext({ stdout, stderr: new PassThrough(), stdin: new PassThrough() }, env),
      {},
    )
    const rows = out.trim().split('\n')
    expect(rows.find((row) => row.startsWith('bare '))).toMatch(/ ask$/)
    expect(rows.find((row) => row.startsWith('one '))).toMatch(/ allow \(\+1 tool rule\)$/)
    expect(rows.find((row) => row.startsWith('two '))).toMatch(/ deny \(\+2 tool rules\)$/)
  })
})
