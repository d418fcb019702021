// The facts both translation directions share: the two eras' names, the `_meta` keys that carry a
// 2026-07-28 request's version, identity and capabilities (`basic/index.mdx` §`_meta`), and how
// the bridge tells which era a client request belongs to without parsing most bodies.
import { Readable } from 'node:stream'
import type { UpstreamRequest, UpstreamResponse } from '../forward.js'
import { jsonAnswer } from '../json-answer.js'

export type Era = '2026-07-28' | '2025-11-25'
export const MODERN: Era = '2026-07-28'
export const LEGACY: Era = '2025-11-25'
/** 2025-era versions the bridge offers a legacy client (`basic/lifecycle.mdx` of each revision). */
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']
/** Versions a 2025-era client may name in `MCP-Protocol-Version` (2024-10-07 is the SDK 1.x oldest). */
const LEGACY_HEADER_VERSIONS = new Set([...LEGACY_VERSIONS, '2024-10-07'])

export const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion'
export const CLIENT_CAPABILITIES_META = 'io.modelcontextprotocol/clientCapabilities'
export const CLIENT_INFO_META = 'io.modelcontextprotocol/clientInfo'
export const LOG_LEVEL_META = 'io.modelcontextprotocol/logLevel'
export const SERVER_INFO_META = 'io.modelcontextprotocol/serverInfo'
export const SUBSCRIPTION_ID_META = 'io.modelcontextprotocol/subscriptionId'
/** Every key of this prefix is reserved for the specification (`basic/index.mdx` §`_meta`). */
export const RESERVED_META_PREFIX = 'io.modelcontextprotocol/'

export type Message = {
  [key: string]: unknown
  jsonrpc?: unknown
  id?: string | number | null | undefined
  method?: unknown
  params?: unknown
  result?: unknown
  error?: unknown
}
export type Implementation = { name: string; version: string; [key: string]: unknown }

/**
 * The client's era. `MCP-Protocol-Version` is on every request after initialize in both eras
 * (and required on 2026-07-28 POSTs, which the gate enforces), so the body is read only for a
 * POST without it and without a session: an `initialize`, or a modern notification.
 */
export function clientEraOf(request: UpstreamRequest): Era {
  const version = request.clientHeaders['mcp-protocol-version']
  // Only a 2025-era version makes a 2025 request; an unknown one is a modern request for the
  // upstream (or the translator) to refuse with -32022 (`basic/versioning.mdx`).
  if (typeof version === 'string') return LEGACY_HEADER_VERSIONS.has(version) ? LEGACY : MODERN
  if (request.method !== 'POST' || request.clientHeaders['mcp-session-id'] !== undefined)
    return LEGACY
  const message = parseMessage(request.body)
  const claimed = metaOf(message)?.[PROTOCOL_VERSION_META]
  return typeof claimed === 'string' && !LEGACY_HEADER_VERSIONS.has(claimed) ? MODERN : LEGACY
}

/** One JSON-RPC message object, or undefined for a batch or anything else. */
export function parseMessage(body: Buffer | undefined): Message | undefined {
  if (!body || body.byteLength === 0) return undefined
  try {
    const value: unknown = JSON.parse(body.toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Message)
      : undefined
  } catch {
    return undefined
  }
}

export function paramsOf(message: Message | undefined): Record<string, unknown> | undefined {
  const params = message?.params
  return typeof params === 'object' && params !== null && !Array.isArray(params)
    ? (params as Record<string, unknown>)
    : undefined
}

export function metaOf(message: Message | undefined): Record<string, unknown> | undefined {
  const meta = paramsOf(message)?._meta
  return typeof meta === 'object' && meta !== null && !Array.isArray(meta)
    ? (meta as Record<string, unknown>)
    : undefined
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function header(request: UpstreamRequest, name: string): string | undefined {
  const value = request.clientHeaders[name]
  return typeof value === 'string' ? value : undefined
}

// The translators' own JSON answers are the ones every sender makes (one shared helper).
export { jsonAnswer }

/** Answers the translators make themselves, which say nothing about the upstream's era. */
const bridgeMade = new WeakSet<UpstreamResponse>()

export function bridgeAnswer(status: number, value: unknown): UpstreamResponse {
  const answer = jsonAnswer(status, value)
  bridgeMade.add(answer)
  return answer
}

export function isBridgeAnswer(response: UpstreamResponse): boolean {
  return bridgeMade.has(response)
}

export function emptyAnswer(status: number): UpstreamResponse {
  return { statusCode: status, headers: {}, body: Readable.from([]) }
}
