// Which era an upstream speaks, found the way `basic/transports/streamable-http.mdx`
// §Backward Compatibility tells a dual-era client: send a modern request (`server/discover`,
// which every 2026-07-28 server implements, `server/discover.mdx`) and read the answer's body.
// A discover result or a modern error means 2026-07-28; a 400 with any other body (an SDK 1.x
// server says "Server not initialized") means a 2025 server. 401/403, 404, 405 and 5xx decide nothing.
import { VERSION } from '../../version.js'
import {
  CLIENT_CAPABILITIES_META,
  CLIENT_INFO_META,
  LEGACY,
  MODERN,
  PROTOCOL_VERSION_META,
  isRecord,
  type Era,
  type Message,
} from './wire.js'

export const PROBE_ID = 'bridge-era-probe'

/** -32020 HeaderMismatch, -32021 MissingRequiredClientCapability, -32022 UnsupportedProtocolVersion (`basic/index.mdx` §Error Codes). */
const MODERN_ERRORS = new Set([-32020, -32021, -32022])

export function probeRequest(): { headers: Record<string, string>; body: string } {
  const body = {
    jsonrpc: '2.0',
    id: PROBE_ID,
    method: 'server/discover',
    params: {
      _meta: {
        [PROTOCOL_VERSION_META]: MODERN,
        [CLIENT_CAPABILITIES_META]: {},
        [CLIENT_INFO_META]: { name: 'mcp-oauth-bridge', version: VERSION },
      },
    },
  }
  return {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': 'server/discover',
    },
    body: JSON.stringify(body),
  }
}

/** The era the probe's answer shows, or undefined when it shows none (authorization, a server fault). */
export function eraFromProbe(status: number, messages: Message[]): Era | undefined {
  if (status === 401 || status === 403 || status >= 500) return undefined
  for (const message of messages) {
    if (isRecord(message.result) && Array.isArray(message.result.supportedVersions)) return MODERN
    const code = isRecord(message.error) ? message.error.code : undefined
    if (typeof code === 'number' && MODERN_ERRORS.has(code)) return MODERN
    // An unknown method is 404 with -32601 on 2026-07-28 (§Protocol Version Header); a 2025 404 has no such body.
    if (status === 404 && code === -32601) return MODERN
  }
  // A 2025 server refuses a request before initialize with 400 (or, stateless, just answers);
  // any other status without a modern body (404, 405) tells nothing about the era.
  return status === 400 || (status >= 200 && status < 300) ? LEGACY : undefined
}

/**
 * A 400 that says the upstream no longer speaks the era the bridge used: -32022 either way, or,
 * where a modern answer was expected, a body that is no modern error (a legacy "Server not
 * initialized"). Only a hint: the probe decides (`basic/versioning.mdx`: re-probe when the
 * cached guess fails).
 */
export function suggestsOtherEra(expected: Era, messages: Message[]): boolean {
  const codes = messages.map((message) =>
    isRecord(message.error) ? message.error.code : undefined,
  )
  if (expected === LEGACY) return codes.includes(-32022)
  // A modern server that still lists 2026-07-28 refused the client's own version, not the era.
  const stillModern = messages.some(
    (message) =>
      isRecord(message.error) &&
      isRecord(message.error.data) &&
      Array.isArray(message.error.data.supported) &&
      message.error.data.supported.includes(MODERN),
  )
  if (codes.includes(-32022)) return !stillModern
  return !codes.some(
    (code) =>
      typeof code === 'number' &&
      (MODERN_ERRORS.has(code) || code === -32602 || code === -32600 || code === -32700),
  )
}
