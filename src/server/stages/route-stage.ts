// Stage 2, route: /health, the pages, or /mcp/<name> for a configured server, asked by a client
// the bridge admits. Everything else is answered here.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { BridgeConfig, ServerEntry } from '../../config/schema.js'
import { INVALID_REQUEST, errorResponse } from '../../proxy/jsonrpc.js'
import { VERSION } from '../../version.js'
import { addServerHint } from '../../cli/commands-named.js'
import { configStamp } from '../config-stamp.js'
import { requestPath } from '../request-path.js'
import { sendJson } from './answer-json.js'
import { admitClient, type Admitted, type AdmissionParts, type Caller } from './admit-stage.js'

export const HEALTH_PATH = '/health'
const SERVER_PATH = /^\/mcp\/([A-Za-z0-9_-]+)\/?$/

export interface Routed {
  name: string
  entry: ServerEntry
  config: BridgeConfig
  /** The client behind a bridge-issued token; undefined for the static bridge token or --no-auth. */
  caller: Caller | undefined
}

export interface RouteParts extends AdmissionParts {
  config: () => BridgeConfig
  instanceId?: string
  pages?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>
}

/**
 * The server this request is for, or undefined when it was answered here; a value at once for a
 * client holding the bridge's token, a promise when a page or a token lookup must finish first.
 */
export function routeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  parts: RouteParts,
): Routed | undefined | Promise<Routed | undefined> {
  const path = requestPath(req.url)
  if (path === HEALTH_PATH && req.method === 'GET') {
    // Tells `stdio` and `doctor` that what answers on this port is a bridge; it holds no secret.
    sendJson(res, 200, {
      service: 'mcp-oauth-bridge',
      version: VERSION,
      pid: process.pid,
      ...(parts.instanceId ? { instanceId: parts.instanceId } : {}),
      config: configStamp(parts.config()),
    })
    return undefined
  }
  const name = SERVER_PATH.exec(path)?.[1]
  if (name === undefined) {
    if (parts.pages && !path.startsWith('/mcp'))
      return parts.pages(req, res, new URL(req.url ?? '/', 'http://bridge')).then(() => undefined)
    sendJson(
      res,
      404,
      errorResponse(
        null,
        INVALID_REQUEST,
        `Nothing at ${path}: MCP servers are served at /mcp/<name>.`,
      ),
    )
    return undefined
  }
  const admitted = admitClient(req, res, name, parts)
  return admitted instanceof Promise
    ? admitted.then((settled) => serverFor(req, res, name, settled, parts))
    : serverFor(req, res, name, admitted, parts)
}

/** The configured server an admitted client asked for, or undefined when it was answered here. */
function serverFor(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  admitted: Admitted,
  parts: RouteParts,
): Routed | undefined {
  if (!admitted) return undefined
  const config = parts.config()
  const entry = config.servers[name]
  if (!entry) {
    const known = Object.keys(config.servers)
    sendJson(
      res,
      404,
      errorResponse(
        null,
        INVALID_REQUEST,
        `No server named ${JSON.stringify(name)} is configured. ${known.length ? `Configured: ${known.join(', ')}.` : addServerHint()}`,
      ),
    )
    return undefined
  }
  if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
    res.writeHead(405, { allow: 'GET, POST, DELETE' }).end()
    return undefined
  }
  return { name, entry, config, caller: admitted.caller }
}
