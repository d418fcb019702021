// `connect <name> [client] [--json] [--write] [--token]`: how an MCP client reaches <name>
// through the bridge: the bare URL for clients that log in to the bridge with OAuth, the exact
// header for the others (and with --token), so nobody copies a token by hand; --write puts the
// entry into the client's own config file, keeping what is there and leaving a backup.
import { copyFile, readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { mkdir } from 'node:fs/promises'
import { resolvePaths } from '../../config/paths.js'
import { getServer, readConfig } from '../../config/store.js'
import { isRecord } from '../../config/schema.js'
import { BridgeError, quote } from '../../errors.js'
import { writeFileAtomic } from '../../fs/atomic-write.js'
import { publicOrigin } from '../../server/public-host.js'
import { bridgeHeaders, locateBridge, type BridgeLocation } from '../bridge-client.js'
import {
  CLIENT_CONFIGS,
  CLIENTS,
  OAUTH_CLIENTS,
  clientSnippet,
  type ClientName,
  type Connection,
} from '../client-configs.js'
import { command } from '../commands-named.js'
import type { CliContext } from '../context.js'

export interface ConnectOptions {
  json?: boolean
  write?: boolean
  file?: string
  /** Already checked by the command line's port parser. */
  port?: number
  /** The bridge header even for clients that could log in to the bridge with OAuth. */
  token?: boolean
}

/**
 * The URL and headers for <name> on the bridge at `port`; without one, on the running bridge
 * (its runtime file), else on config.json's port: the URL must name the port clients will reach.
 */
export async function connectionFor(
  ctx: CliContext,
  name: string,
  port?: number,
): Promise<Connection> {
  return (await locateConnection(ctx, name, port)).connection
}

async function locateConnection(
  ctx: CliContext,
  name: string,
  port: number | undefined,
): Promise<{ connection: Connection; location: BridgeLocation }> {
  const config = await readConfig(ctx.paths)
  getServer(config, name)
  const location = await locateBridge(ctx.paths, {
    config,
    ...(port !== undefined ? { port } : {}),
  })
  return {
    connection: {
      name,
      url: `${publicOrigin(location.port)}/mcp/${name}`,
      headers: await bridgeHeaders(ctx.paths, config),
      ...(isDefaultHome(ctx.paths.home) ? {} : { home: resolve(ctx.paths.home) }),
    },
    location,
  }
}

export async function connectCommand(
  ctx: CliContext,
  name: string,
  clientArg: string | undefined,
  options: ConnectOptions,
): Promise<void> {
  const client = (clientArg ?? 'claude-code') as ClientName
  if (!(CLIENTS as readonly string[]).includes(client)) {
    throw new BridgeError('BAD_USAGE', `Unknown client ${quote(clientArg)}.`, {
      hint: `Known clients: ${CLIENTS.join(', ')}.`,
    })
  }
  const located = await locateConnection(ctx, name, options.port)
  const { location } = located
  // An OAuth client logs in to the bridge on first use; a header would only skip its own token.
  const oauth =
    OAUTH_CLIENTS.has(client) &&
    !options.token &&
    Object.keys(located.connection.headers).length > 0
  const connection = oauth ? { ...located.connection, headers: {} } : located.connection
  if (options.json) {
    // For programs: the header form, which works for any caller (scripts read this).
    ctx.out.result(
      JSON.stringify({ url: located.connection.url, headers: located.connection.headers }),
    )
    return
  }
  // The entry names a port; say where it came from when no running bridge vouches for it.
  if (location.source === 'config') {
    ctx.out.progress(
      `No running bridge is recorded, so this names port ${location.port} from config.json: start the bridge there (\`${command('start')}\`), or pass --port.`,
    )
  }
  if (!options.write) {
    ctx.out.result(clientSnippet(client, connection))
    if (Object.keys(connection.headers).length)
      ctx.out.warn('This holds the bridge access token: keep it off shared screens and out of git.')
    if (oauth) ctx.out.progress(signInNote(client))
    return
  }
  if (client === 'sdk')
    throw new BridgeError(
      'BAD_USAGE',
      `The SDK has no config file to write: use the snippet \`${command('connect <name> sdk')}\` prints.`,
    )
  const shape = CLIENT_CONFIGS[client]
  const file = options.file ?? shape.defaultPath(ctx.env, process.platform)
  if (!file)
    throw new BridgeError(
      'BAD_USAGE',
      `The location of ${client}'s config file is not known here; pass --file.`,
    )
  const backup = await writeEntry(file, shape.listKey, name, shape.entry(connection))
  ctx.out.success(
    `Added ${quote(name)} to ${file}${backup ? ` (the previous file is kept as ${backup})` : ''}.`,
  )
  if (client === 'claude-desktop')
    ctx.out.progress(
      `Restart Claude Desktop; keep \`${command('start')}\` running so approvals work.`,
    )
  if (oauth) ctx.out.progress(signInNote(client))
}

/** The home every process finds without MCP_OAUTH_BRIDGE_HOME: ~/.mcp-oauth-bridge. */
function isDefaultHome(home: string): boolean {
  return resolve(home) === resolve(resolvePaths({}).home)
}

function signInNote(client: ClientName): string {
  return `${client} logs in to the bridge by itself: on first use the bridge's consent page opens; sign in with the one-time login link the bridge printed when it started (\`${command('open')}\` gives a fresh one) and allow it. For the bridge header instead, add --token.`
}

/** Sets one server entry in a client's JSON config; returns the backup's path when there was a file. */
async function writeEntry(
  file: string,
  listKey: string,
  name: string,
  entry: Record<string, unknown>,
): Promise<string | undefined> {
  let existing: Record<string, unknown> = {}
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text !== undefined && text.trim() !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new BridgeError('BAD_USAGE', `${file} is not valid JSON, so it was left alone.`, {
        hint: 'Fix the file (or move it away), then run the command again; or paste the snippet `connect` prints without --write.',
      })
    }
    if (!isRecord(parsed))
      throw new BridgeError(
        'BAD_USAGE',
        `${file} does not hold a JSON object, so it was left alone.`,
      )
    existing = parsed
  }
  const list = isRecord(existing[listKey]) ? (existing[listKey] as Record<string, unknown>) : {}
  const updated = { ...existing, [listKey]: { ...list, [name]: entry } }
  let backup: string | undefined
  if (text !== undefined) {
    backup = `${file}.backup-${new Date().toISOString().replace(/[:.]/g, '-')}`
    await copyFile(file, backup)
  }
  await mkdir(dirname(file), { recursive: true })
  // 0600: the entry carries the bridge access token.
  await writeFileAtomic(file, `${JSON.stringify(updated, null, 2)}\n`, 0o600)
  return backup
}
