// The `demo` entry in config.json. The demo server gets a new port on every run, so each run
// points the entry at the new URL and forgets the old tokens and client registration: they were
// issued by an authorization server that stopped with the previous run, for the old resource URL.
// The login itself is left to the caller (the same loginServer as `add`).
import type { BridgePaths } from '../config/paths.js'
import type { ServerEntry, UpstreamEra } from '../config/schema.js'
import { readConfig, updateConfig } from '../config/store.js'
import { BridgeError, quote } from '../errors.js'
import { pickFreePort } from '../oauth/loopback.js'
import type { TokenStore } from '../tokens/store.js'
import { command } from '../cli/commands-named.js'

export const DEMO_SERVER_NAME = 'demo'
/**
 * What `add` would find with server/discover: the demo server serves 2025 clients too, but speaks
 * 2026-07-28. Recorded with the URL, so the era of whichever client comes first cannot decide it.
 */
export const DEMO_SERVER_ERA: UpstreamEra = '2026-07-28'

export interface ClaimedDemoEntry {
  entry: ServerEntry
  /** The URL of an earlier demo run that this run replaced; undefined when the entry is new. */
  previousUrl: string | undefined
}

/**
 * Writes this run's URL and era into the `demo` entry, keeping its policies and callback port. A `demo`
 * entry that does not look like an earlier run (http://127.0.0.1:<port>/mcp) is the user's own
 * server, and is never replaced.
 */
export async function claimDemoEntry(options: {
  paths: BridgePaths
  store: TokenStore
  mcpUrl: URL
}): Promise<ClaimedDemoEntry> {
  const { paths, store, mcpUrl } = options
  const existing = (await readConfig(paths)).servers[DEMO_SERVER_NAME]
  assertDemoNameFree(existing)
  // Chosen outside the config lock: the lock must not be held across a port probe.
  const callbackPort = existing?.callbackPort ?? (await pickFreePort())

  const replaced: { url?: string } = {}
  const config = await updateConfig(paths, (current) => {
    const earlier = current.servers[DEMO_SERVER_NAME]
    // Checked again under the lock: another process may have added its own `demo` meanwhile.
    assertDemoNameFree(earlier)
    if (earlier) replaced.url = earlier.url
    current.servers[DEMO_SERVER_NAME] = {
      ...earlier,
      url: mcpUrl.href,
      auth: 'oauth',
      era: DEMO_SERVER_ERA,
      callbackPort: earlier?.callbackPort ?? callbackPort,
    }
  })
  await store.update(DEMO_SERVER_NAME, () => undefined)
  return { entry: config.servers[DEMO_SERVER_NAME] as ServerEntry, previousUrl: replaced.url }
}

/** Undoes a claim that created the entry, so a failed first run leaves nothing behind (like `add`). */
export async function releaseDemoEntry(options: {
  paths: BridgePaths
  store: TokenStore
}): Promise<void> {
  await options.store.update(DEMO_SERVER_NAME, () => undefined)
  await updateConfig(options.paths, (config) => {
    delete config.servers[DEMO_SERVER_NAME]
  })
}

/** Throws when `demo` is taken by a server of the user's own; cheap enough to check up front. */
export function assertDemoNameFree(existing: ServerEntry | undefined): void {
  if (existing && !isEarlierDemoUrl(existing.url)) throw ownServerNamedDemo(existing.url)
}

export function isEarlierDemoUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (
      url.protocol === 'http:' &&
      url.hostname === '127.0.0.1' &&
      url.port !== '' &&
      url.pathname === '/mcp'
    )
  } catch {
    return false
  }
}

function ownServerNamedDemo(url: string): BridgeError {
  return new BridgeError(
    'SERVER_EXISTS',
    `A server named ${quote(DEMO_SERVER_NAME)} already exists (${url}), and it is not an earlier demo; the demo will not replace it.`,
    {
      hint: `Rename it in config.json, or remove it with \`${command(`remove ${DEMO_SERVER_NAME}`)}\`, then run \`${command('demo')}\` again.`,
    },
  )
}
