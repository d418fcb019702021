// The shape of config.json, parsed by hand so every problem names the field at fault.
// config.json holds no secrets: those live in the encrypted token store.
import { BridgeError, quote } from '../errors.js'
import { command } from '../cli/commands-named.js'

export type Policy = 'allow' | 'ask' | 'deny'
export const POLICIES: readonly Policy[] = ['allow', 'ask', 'deny']

/** How the bridge authenticates to the upstream server. */
export type UpstreamAuth = 'oauth' | 'client_credentials' | 'none'
export type TransportChoice = 'auto' | 'http' | 'sse'
/** The MCP era an upstream speaks: 2026-07-28 (no handshake) or 2025-11-25 (initialize and sessions). */
export type UpstreamEra = '2026-07-28' | '2025-11-25'

/**
 * A tool's rule. A plain policy comes from the command line; an "always allow" given on the
 * approvals page is bound to the definition the person saw (see approvals/policy.ts).
 */
export type ToolRule = Policy | { policy: Policy; approvedDefinition?: ApprovedDefinition }

export interface ApprovedDefinition {
  fingerprint: string
  description?: string
  inputSchema?: unknown
}

/**
 * A rule on a call's arguments: `policy` applies when the CEL expression `when` is true. Kept
 * apart from the plain tool rule so an "always allow" from the page never overwrites it.
 */
export interface WhenRule {
  when: string
  policy: Policy
}

/**
 * "Allow for 1 hour": the tool runs without asking until `until` (ISO 8601), then the rule it
 * had is back. Kept apart from that rule, so nothing needs restoring when the window closes.
 * `approvedDefinition` is absent for a window opened from the command line, where no
 * definition was shown.
 */
export interface TimeWindow {
  until: string
  approvedDefinition?: ApprovedDefinition
}

/**
 * Tools the server marks `annotations.readOnlyHint` run without asking. `definitions` holds the
 * fingerprint (annotations included) of each tool as first seen since it was turned on: a tool
 * whose definition differs later asks again until the person turns it on again.
 */
export interface ReadOnlyRule {
  policy: 'allow'
  definitions: Record<string, string>
}

export interface ServerEntry {
  url: string
  auth: UpstreamAuth
  policy?: Policy
  tools?: Record<string, ToolRule>
  /** Per tool, tried in order before anything else; the first that matches decides. */
  whenRules?: Record<string, WhenRule[]>
  windows?: Record<string, TimeWindow>
  readOnly?: ReadOnlyRule
  /** Overrides the scope the specification's selection rules would choose. */
  scope?: string
  clientMetadataUrl?: string
  /** The loopback callback port: fixed per server, since it is part of the registered redirect URI. */
  callbackPort?: number
  transport?: TransportChoice
  /** Found at `add`; absent: found on first use and saved. Decides whether clients of the other era are translated. */
  era?: UpstreamEra
}

export interface BridgeConfig {
  port: number
  host: string
  auth: boolean
  /** How long a held tool call waits for a person before it is denied. */
  approvalTimeoutSeconds: number
  /**
   * How long the bridge waits for an upstream answer to start, and through silence inside its body
   * (a JSON answer that stalls, a POST's SSE answer); 0: no limit. A GET notification stream may
   * stay idle forever.
   */
  upstreamTimeoutSeconds: number
  servers: Record<string, ServerEntry>
}

export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 300
/** As long as undici's own wait for response headers, which was the only limit before. */
export const DEFAULT_UPSTREAM_TIMEOUT_SECONDS = 120

export const DEFAULT_PORT = 3000
export const DEFAULT_HOST = '127.0.0.1'

export function defaultConfig(): BridgeConfig {
  return {
    port: DEFAULT_PORT,
    host: DEFAULT_HOST,
    auth: true,
    approvalTimeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    upstreamTimeoutSeconds: DEFAULT_UPSTREAM_TIMEOUT_SECONDS,
    servers: namedRecord(),
  }
}

/**
 * A record keyed by server or tool names, without a prototype: `record[name]` then finds only
 * what was stored under that name, even for "constructor", and storing under "__proto__" makes an
 * entry instead of replacing the record's prototype.
 */
function namedRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
/**
 * Names every JavaScript object answers to: a server so named would be looked up as a property of
 * Object itself (`servers.__proto__` is Object.prototype), so they are refused, in config.json too.
 */
const RESERVED_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype']

/** Why `name` cannot name a server, or undefined when it can. */
function serverNameProblem(name: string): string | undefined {
  if (!NAME_PATTERN.test(name)) return 'use 1 to 64 letters, digits, "-" or "_"'
  if (RESERVED_NAMES.includes(name))
    return `${RESERVED_NAMES.map((reserved) => `"${reserved}"`).join(', ')} are reserved words of JavaScript objects`
  return undefined
}

export function assertServerName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new BridgeError('BAD_USAGE', `${quote(name)} is not a valid server name.`, {
      hint: 'Use 1 to 64 letters, digits, "-" or "_": the name becomes the path /mcp/<name>.',
    })
  }
  if (RESERVED_NAMES.includes(name)) {
    throw new BridgeError(
      'BAD_USAGE',
      `${quote(name)} cannot name a server: ${serverNameProblem(name)}.`,
      {
        hint: 'Choose another name, for example with a prefix or suffix such as "my-prototype".',
      },
    )
  }
}

export function isPolicy(value: unknown): value is Policy {
  return typeof value === 'string' && (POLICIES as readonly string[]).includes(value)
}

export function parseConfig(text: string, path: string): BridgeConfig {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw invalid(path, `it is not valid JSON (${(error as Error).message})`)
  }
  if (!isRecord(raw)) throw invalid(path, 'the top level must be an object')
  const config = defaultConfig()
  if (raw.port !== undefined) {
    if (!Number.isInteger(raw.port) || (raw.port as number) < 0 || (raw.port as number) > 65535) {
      throw invalid(path, '"port" must be a whole number from 0 to 65535')
    }
    config.port = raw.port as number
  }
  if (raw.host !== undefined) {
    if (typeof raw.host !== 'string' || raw.host === '')
      throw invalid(path, '"host" must be a host name')
    config.host = raw.host
  }
  if (raw.auth !== undefined) {
    if (typeof raw.auth !== 'boolean') throw invalid(path, '"auth" must be true or false')
    config.auth = raw.auth
  }
  if (raw.approvalTimeoutSeconds !== undefined) {
    if (typeof raw.approvalTimeoutSeconds !== 'number' || !(raw.approvalTimeoutSeconds > 0)) {
      throw invalid(path, '"approvalTimeoutSeconds" must be a positive number')
    }
    config.approvalTimeoutSeconds = raw.approvalTimeoutSeconds
  }
  if (raw.upstreamTimeoutSeconds !== undefined) {
    if (
      typeof raw.upstreamTimeoutSeconds !== 'number' ||
      !Number.isFinite(raw.upstreamTimeoutSeconds) ||
      raw.upstreamTimeoutSeconds < 0
    ) {
      throw invalid(path, '"upstreamTimeoutSeconds" must be a number of seconds, or 0 for no limit')
    }
    config.upstreamTimeoutSeconds = raw.upstreamTimeoutSeconds
  }
  if (raw.servers !== undefined) {
    if (!isRecord(raw.servers)) throw invalid(path, '"servers" must be an object')
    for (const [name, value] of Object.entries(raw.servers)) {
      const problem = serverNameProblem(name)
      if (problem) throw invalid(path, `server name ${quote(name)} is not valid (${problem})`)
      config.servers[name] = parseServer(value, `servers.${name}`, path)
    }
  }
  return config
}

function parseServer(value: unknown, at: string, path: string): ServerEntry {
  if (!isRecord(value)) throw invalid(path, `"${at}" must be an object`)
  if (typeof value.url !== 'string') throw invalid(path, `"${at}.url" must be a URL`)
  try {
    new URL(value.url)
  } catch {
    throw invalid(path, `"${at}.url" is not a URL: ${quote(value.url)}`)
  }
  const entry: ServerEntry = { url: value.url, auth: 'oauth' }
  if (value.auth !== undefined) {
    if (value.auth !== 'oauth' && value.auth !== 'client_credentials' && value.auth !== 'none') {
      throw invalid(path, `"${at}.auth" must be "oauth", "client_credentials" or "none"`)
    }
    entry.auth = value.auth
  }
  if (value.policy !== undefined) {
    if (!isPolicy(value.policy)) throw invalid(path, `"${at}.policy" must be allow, ask or deny`)
    entry.policy = value.policy
  }
  if (value.tools !== undefined) {
    if (!isRecord(value.tools)) throw invalid(path, `"${at}.tools" must be an object`)
    entry.tools = namedRecord()
    for (const [tool, rule] of Object.entries(value.tools)) {
      entry.tools[tool] = parseToolRule(rule, `${at}.tools.${tool}`, path)
    }
  }
  parseRuleParts(value, entry, at, path)
  if (value.scope !== undefined) {
    if (typeof value.scope !== 'string') throw invalid(path, `"${at}.scope" must be a string`)
    entry.scope = value.scope
  }
  if (value.clientMetadataUrl !== undefined) {
    if (typeof value.clientMetadataUrl !== 'string')
      throw invalid(path, `"${at}.clientMetadataUrl" must be a URL`)
    entry.clientMetadataUrl = value.clientMetadataUrl
  }
  if (value.callbackPort !== undefined) {
    if (
      !Number.isInteger(value.callbackPort) ||
      (value.callbackPort as number) < 1 ||
      (value.callbackPort as number) > 65535
    ) {
      throw invalid(path, `"${at}.callbackPort" must be a port number`)
    }
    entry.callbackPort = value.callbackPort as number
  }
  if (value.transport !== undefined) {
    if (value.transport !== 'auto' && value.transport !== 'http' && value.transport !== 'sse') {
      throw invalid(path, `"${at}.transport" must be auto, http or sse`)
    }
    entry.transport = value.transport
  }
  if (value.era !== undefined) {
    if (value.era !== '2026-07-28' && value.era !== '2025-11-25')
      throw invalid(path, `"${at}.era" must be "2026-07-28" or "2025-11-25"`)
    entry.era = value.era
  }
  return entry
}

/** The argument rules, time windows and read-only switch; their expressions are compiled on first use. */
function parseRuleParts(
  value: Record<string, unknown>,
  entry: ServerEntry,
  at: string,
  path: string,
): void {
  if (value.whenRules !== undefined) {
    if (!isRecord(value.whenRules))
      throw invalid(path, `"${at}.whenRules" must be an object of tool names`)
    entry.whenRules = namedRecord()
    for (const [tool, rules] of Object.entries(value.whenRules)) {
      if (!Array.isArray(rules))
        throw invalid(
          path,
          `"${at}.whenRules.${tool}" must be a list of {"when": "<CEL>", "policy": "allow|ask|deny"}`,
        )
      entry.whenRules[tool] = rules.map((rule: unknown, index) => {
        if (!isRecord(rule) || typeof rule.when !== 'string' || !isPolicy(rule.policy)) {
          throw invalid(
            path,
            `"${at}.whenRules.${tool}[${index}]" must be {"when": "<CEL>", "policy": "allow|ask|deny"}`,
          )
        }
        return { when: rule.when, policy: rule.policy }
      })
    }
  }
  if (value.windows !== undefined) {
    if (!isRecord(value.windows))
      throw invalid(path, `"${at}.windows" must be an object of tool names`)
    entry.windows = namedRecord()
    for (const [tool, window] of Object.entries(value.windows)) {
      if (
        !isRecord(window) ||
        typeof window.until !== 'string' ||
        Number.isNaN(Date.parse(window.until))
      ) {
        throw invalid(path, `"${at}.windows.${tool}.until" must be an ISO 8601 time`)
      }
      entry.windows[tool] = {
        until: window.until,
        ...(window.approvedDefinition !== undefined
          ? {
              approvedDefinition: parseApprovedDefinition(
                window.approvedDefinition,
                `${at}.windows.${tool}`,
                path,
              ),
            }
          : {}),
      }
    }
  }
  if (value.readOnly !== undefined) {
    const readOnly = value.readOnly
    if (
      !isRecord(readOnly) ||
      readOnly.policy !== 'allow' ||
      (readOnly.definitions !== undefined && !isRecord(readOnly.definitions))
    ) {
      throw invalid(
        path,
        `"${at}.readOnly" must be {"policy": "allow", "definitions": {...}}; leave it out to ask`,
      )
    }
    const definitions: Record<string, string> = namedRecord()
    for (const [tool, fingerprint] of Object.entries(readOnly.definitions ?? {})) {
      if (typeof fingerprint !== 'string')
        throw invalid(path, `"${at}.readOnly.definitions.${tool}" must be a fingerprint`)
      definitions[tool] = fingerprint
    }
    entry.readOnly = { policy: 'allow', definitions }
  }
}

function parseToolRule(rule: unknown, at: string, path: string): ToolRule {
  if (isPolicy(rule)) return rule
  if (!isRecord(rule) || !isPolicy(rule.policy))
    throw invalid(path, `"${at}" must be allow, ask or deny`)
  if (rule.approvedDefinition === undefined) return { policy: rule.policy }
  return {
    policy: rule.policy,
    approvedDefinition: parseApprovedDefinition(rule.approvedDefinition, at, path),
  }
}

function parseApprovedDefinition(approved: unknown, at: string, path: string): ApprovedDefinition {
  if (!isRecord(approved) || typeof approved.fingerprint !== 'string')
    throw invalid(path, `"${at}.approvedDefinition" must have a "fingerprint"`)
  return {
    fingerprint: approved.fingerprint,
    ...(typeof approved.description === 'string' ? { description: approved.description } : {}),
    ...(approved.inputSchema !== undefined ? { inputSchema: approved.inputSchema } : {}),
  }
}

function invalid(path: string, what: string): BridgeError {
  return new BridgeError('CONFIG_INVALID', `${path} is not a valid configuration: ${what}.`, {
    hint: `Fix the file by hand, or move it away and run \`${command('init')}\` to start again.`,
  })
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
