// Shared steps of the profile tests: start an emulated server, run the built CLI against it as a
// person would (add, start, tool calls through the bridge, token, logout), and clean up.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterEach, expect } from 'vitest'
import { resolvePaths } from '../../../src/config/paths.js'
import { EncryptedFileTokenStore } from '../../../src/tokens/encrypted-file-store.js'
import {
  startProfile,
  type ProfileName,
  type ProfileOptions,
  type RunningProfile,
} from '../../fixtures/profiles/profiles.js'
import {
  cliEnv,
  makeHome,
  runCli,
  startBridgeProcess,
  type CliResult,
  type RunningCli,
} from '../cli-process.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

export function onCleanup(cleanup: () => Promise<unknown> | unknown): void {
  cleanups.push(cleanup)
}

export async function profile(
  name: ProfileName,
  options: ProfileOptions = {},
): Promise<RunningProfile> {
  const started = await startProfile(name, options)
  cleanups.push(() => started.close())
  return started
}

export interface Home {
  home: string
  env: NodeJS.ProcessEnv
  store: EncryptedFileTokenStore
  run(args: string[], input?: string): Promise<CliResult>
  config(): Promise<{
    servers: Record<
      string,
      { url: string; auth?: string; callbackPort?: number; transport?: string }
    >
  }>
}

export async function home(extraEnv: Record<string, string> = {}): Promise<Home> {
  const dir = await makeHome()
  const env = cliEnv(dir, extraEnv)
  return {
    home: dir,
    env,
    store: new EncryptedFileTokenStore(resolvePaths(env)),
    run: (args, input) => runCli(args, env, input),
    config: async () => JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')),
  }
}

/** `add <name> <url> --policy allow ...`, expected to succeed. */
export async function added(
  user: Home,
  name: string,
  url: string,
  args: string[] = [],
): Promise<CliResult> {
  const result = await user.run(['add', name, url, '--policy', 'allow', ...args])
  expect(result.code, result.stderr).toBe(0)
  expect(result.stderr).toContain(`"${name}" is ready`)
  return result
}

export async function bridge(user: Home): Promise<RunningCli> {
  const running = await startBridgeProcess(user.env)
  cleanups.push(() => running.stop())
  return running
}

export async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'profiles-e2e', version: '1.0.0' })
  await client.connect(new StreamableHTTPClientTransport(new URL(url)))
  cleanups.push(() => client.close())
  return client
}

export async function callText(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean
    content: Array<{ text?: string }>
  }
  const text = result.content[0]?.text ?? ''
  if (result.isError) throw new Error(`${name} answered an error: ${text}`)
  return text
}

/** Starts the bridge and makes one tool call through it: the whole path from client to upstream. */
export async function servedThroughBridge(
  user: Home,
  name: string,
): Promise<{ bridge: RunningCli; client: Client }> {
  const running = await bridge(user)
  const client = await connect(`${running.url}/mcp/${name}`)
  expect(await callText(client, 'echo', { text: `hello ${name}` })).toBe(`hello ${name}`)
  return { bridge: running, client }
}

/** Makes the stored token look expired to the bridge, so the next use refreshes. */
export async function expireLocally(user: Home, name: string): Promise<void> {
  await user.store.update(name, (current) => ({
    ...current,
    tokens: {
      ...current.tokens!,
      obtained_at: Date.now() - 3_600_000,
      expires_at: Date.now() - 1_000,
    },
  }))
}

/** `logout` revokes where the server can and forgets the tokens either way. */
export async function loggedOut(user: Home, name: string): Promise<CliResult> {
  const result = await user.run(['logout', name])
  expect(result.code, result.stderr).toBe(0)
  expect((await user.store.get(name))?.tokens).toBeUndefined()
  const token = await user.run(['token', name])
  expect(token.code).toBe(1)
  return result
}

export function expectClearFailure(result: CliResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(1)
  expect(result.stderr).toMatch(pattern)
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
  expect(result.stderr).not.toContain('Unexpected error')
}
