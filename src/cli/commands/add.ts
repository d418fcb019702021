// `add <name> <url>`: probe the server, log in however it needs, and save it. Nothing is
// written to config.json until the login succeeded, and a failed login leaves no secrets behind.
import { readFile } from 'node:fs/promises'
import {
  assertServerName,
  isPolicy,
  type Policy,
  type ServerEntry,
  type TransportChoice,
} from '../../config/schema.js'
import { readConfig, updateConfig } from '../../config/store.js'
import { BridgeError, quote } from '../../errors.js'
import { parseServerUrl } from '../../oauth/safe-url.js'
import type { LoginResult } from '../../login/login-server.js'
import { detectTransport, type TransportDetection } from '../../proxy/transport-detect.js'
import type { ServerSecrets } from '../../tokens/store.js'
import type { CliContext } from '../context.js'
import { locateBridge } from '../bridge-client.js'
import { terminalFlowIo } from '../flow-io.js'
import { ensureInitialized } from './first-run.js'

export interface AddOptions {
  clientId?: string
  clientSecret?: string
  scope?: string
  clientMetadataUrl?: string
  browser: boolean
  device?: boolean
  policy?: string
  header?: string[]
  transport?: string
  /** Already checked by the command line's port parser. */
  callbackPort?: number
  clientCredentials?: boolean
  privateKey?: string
}

export async function addCommand(
  ctx: CliContext,
  name: string,
  rawUrl: string,
  options: AddOptions,
): Promise<void> {
  assertServerName(name)
  const url = parseServerUrl(rawUrl)
  const policy = parsePolicyOption(options.policy)
  const transport = parseTransport(options.transport)
  const headers = parseHeaders(options.header ?? [])
  const callbackPort = options.callbackPort
  if (options.clientMetadataUrl !== undefined) checkClientMetadataUrl(options.clientMetadataUrl)
  if (options.clientCredentials && !options.clientId) {
    throw new BridgeError(
      'BAD_USAGE',
      '--client-credentials needs --client-id, and --client-secret or --private-key.',
    )
  }
  if (options.clientCredentials && !options.clientSecret && !options.privateKey) {
    throw new BridgeError(
      'BAD_USAGE',
      '--client-credentials needs --client-secret or --private-key.',
    )
  }
  if (options.privateKey && !options.clientCredentials) {
    throw new BridgeError('BAD_USAGE', '--private-key is used with --client-credentials.')
  }
  if (options.clientSecret && !options.clientId)
    throw new BridgeError('BAD_USAGE', '--client-secret needs --client-id.')
  const privateKeyPem = options.privateKey ? await readPrivateKey(options.privateKey) : undefined

  const { paths, out } = ctx
  await ensureInitialized(ctx)
  const config = await readConfig(paths)
  if (config.servers[name]) {
    throw new BridgeError(
      'SERVER_EXISTS',
      `A server named ${quote(name)} already exists (${config.servers[name].url}).`,
      {
        hint: `Run \`mcp-oauth-bridge login ${name}\` to log in again, or \`mcp-oauth-bridge remove ${name}\` first.`,
      },
    )
  }

  const store = ctx.store
  const secrets: ServerSecrets = {}
  if (options.clientId) {
    secrets.client = {
      client_id: options.clientId,
      ...(options.clientSecret ? { client_secret: options.clientSecret } : {}),
    }
    secrets.clientSource = 'pre-registered'
  }
  if (Object.keys(headers).length) secrets.headers = headers
  if (privateKeyPem) secrets.privateKeyPem = privateKeyPem
  await store.update(name, () => secrets)

  const entry: ServerEntry = {
    url: url.href,
    auth: options.clientCredentials ? 'client_credentials' : 'oauth',
    ...(policy ? { policy } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    ...(options.clientMetadataUrl ? { clientMetadataUrl: options.clientMetadataUrl } : {}),
    ...(transport && transport !== 'auto' ? { transport } : {}),
    // Without --callback-port the listener takes a free port itself (no pick-then-bind race);
    // the one it got is saved below, since it is part of the registered redirect URI.
    ...(callbackPort ? { callbackPort } : {}),
  }
  const io = terminalFlowIo(ctx, { browser: options.browser })
  try {
    // One knock answers both questions: does the server want authorization, and does it speak the
    // older HTTP+SSE transport (MCP transports §Backwards Compatibility)? --transport http skips the latter.
    let detected: TransportDetection | undefined =
      transport === 'http' ? undefined : await detectTransport(url, headers)
    if (detected?.transport === 'none') {
      throw new BridgeError(
        'UPSTREAM_FAILED',
        `${url.href} does not answer as an MCP server: HTTP ${detected.status}: ${detected.said}.`,
        {
          hint: 'Check the URL: the server may have moved its MCP endpoint (its message may name the new one).',
        },
      )
    }
    const result: LoginResult =
      detected && detected.transport !== 'unauthorized'
        ? { kind: 'open' }
        : await ctx.logins.logIn({
            name,
            entry,
            store,
            io,
            ...(detected?.transport === 'unauthorized' ? { challenge: detected.challenge } : {}),
            ...(options.device ? { device: true } : {}),
          })
    if (result.kind === 'authorized' && result.callbackPort && !entry.callbackPort)
      entry.callbackPort = result.callbackPort
    if (result.kind === 'open') {
      if (options.clientCredentials) {
        throw new BridgeError(
          'BAD_USAGE',
          `${url.href} answered without asking for authorization, so there is nothing to use the client credentials for.`,
        )
      }
      entry.auth = 'none'
      out.progress(
        Object.keys(headers).length
          ? 'The server accepted the request with the given headers.'
          : 'The server answered without asking for authorization: added as is.',
      )
    }
    if (detected?.transport === 'unauthorized') {
      const token = (await store.get(name))?.tokens?.access_token
      detected = await detectTransport(url, {
        ...headers,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      })
    }
    if (detected?.transport === 'sse') {
      entry.transport = 'sse'
      out.progress(
        'The server speaks the older HTTP+SSE transport (2024-11-05); the bridge serves it to clients as Streamable HTTP.',
      )
    } else if (transport === 'sse' && detected?.transport === 'http') {
      out.progress(
        `${url.href} did not answer like an HTTP+SSE server (no endpoint event); saved with transport "sse" as asked.`,
      )
    }
    // The era decides whether clients of the other one are translated (src/proxy/era/).
    if (detected?.transport === 'http' && detected.era && entry.transport !== 'sse') {
      entry.era = detected.era
      out.progress(
        `The server speaks MCP ${detected.era}; the bridge translates for clients of the other era.`,
      )
    }
  } catch (error) {
    await store.update(name, () => undefined)
    throw error
  } finally {
    io.close()
  }
  await updateConfig(paths, (current) => {
    current.servers[name] = entry
  })
  // A running bridge picks the new server up from config.json; its port is the one clients need.
  const bridge = await locateBridge(paths)
  const clientUrl = `http://localhost:${bridge.port}/mcp/${name}`
  if (bridge.source === 'runtime') {
    out.success(
      `${quote(name)} is ready, and the running bridge (port ${bridge.port}) serves it now.`,
    )
    out.progress(
      `Point your MCP client at ${clientUrl} (\`mcp-oauth-bridge connect ${name}\` prints the header too)`,
    )
  } else {
    out.success(`${quote(name)} is ready. Start the bridge with: mcp-oauth-bridge start`)
    out.progress(`Then point your MCP client at ${clientUrl}`)
  }
}

export function parsePolicyOption(value: string | undefined): Policy | undefined {
  if (value === undefined) return undefined
  if (!isPolicy(value))
    throw new BridgeError('BAD_USAGE', `--policy must be allow, ask or deny, not ${quote(value)}.`)
  return value
}

function parseTransport(value: string | undefined): TransportChoice | undefined {
  if (value === undefined) return undefined
  if (value === 'auto' || value === 'http' || value === 'sse') return value
  throw new BridgeError('BAD_USAGE', `--transport must be auto, http or sse, not ${quote(value)}.`)
}

function parseHeaders(values: string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const value of values) {
    const colon = value.indexOf(':')
    const name = colon > 0 ? value.slice(0, colon).trim() : ''
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || /[\r\n]/.test(value)) {
      throw new BridgeError(
        'BAD_USAGE',
        `--header must look like "Name: value", not ${quote(value)}.`,
      )
    }
    headers[name.toLowerCase()] = value.slice(colon + 1).trim()
  }
  return headers
}

function checkClientMetadataUrl(value: string): void {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (!url || url.protocol !== 'https:' || url.pathname === '/') {
    throw new BridgeError(
      'BAD_USAGE',
      `--client-metadata-url must be an https URL with a path, not ${quote(value)}.`,
      {
        hint: 'It is the address where you host the client ID metadata document (a JSON file listing the redirect URI).',
      },
    )
  }
}

async function readPrivateKey(path: string): Promise<string> {
  try {
    const pem = await readFile(path, 'utf8')
    if (!pem.includes('PRIVATE KEY')) throw new Error('not a PEM private key')
    return pem
  } catch (error) {
    throw new BridgeError(
      'BAD_USAGE',
      `Cannot read the private key ${quote(path)}: ${(error as Error).message}.`,
    )
  }
}
