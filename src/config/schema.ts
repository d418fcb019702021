// The shape of config.json, parsed by hand so every problem names the field at fault.
// config.json holds no secrets: those live in the encrypted token store.
import { BridgeError, quote } from '../errors.js'

export type Policy = 'allow' | 'ask' | 'deny'
export const POLICIES: readonly Policy[] = ['allow', 'ask', 'deny']

/** How the bridge authenticates to the upstream server. */
export type UpstreamAuth = 'oauth' | 'client_credentials' | 'none'
export type TransportChoice = 'auto' | 'http' | 'sse'

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

export interface ServerEntry {
  url: string
  auth: UpstreamAuth
  policy?: Policy
  tools?: Record<string, ToolRule>
  /** Overrides the scope the specification's selection rules would choose. */
  scope?: string
  clientMetadataUrl?: string
  /** The loopback callback port: fixed per server, since it is part of the registered redirect URI. */
  callbackPort?: number
  transport?: TransportChoice
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
  return { port: DEFAULT_PORT, host: DEFAULT_HOST, auth: true, approvalTimeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS, upstreamTimeoutSeconds: DEFAULT_UPSTREAM_TIMEOUT_SECONDS, servers: {} }
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export function assertServerName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new BridgeError('BAD_USAGE', `${quote(name)} is not a valid server name.`, {
      hint: 'Use 1 to 64 letters, digits, "-" or "_": the name becomes the path /mcp/<name>.',
    })
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
    if (typeof raw.host !== 'string' || raw.host === '') throw invalid(path, '"host" must be a host name')
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
    if (typeof raw.upstreamTimeoutSeconds !== 'number' || !Number.isFinite(raw.upstreamTimeoutSeconds) || raw.upstreamTimeoutSeconds < 0) {
      throw invalid(path, '"upstreamTimeoutSeconds" must be a number of seconds, or 0 for no limit')
    }
    config.upstreamTimeoutSeconds = raw.upstreamTimeoutSeconds
  }
  if (raw.servers !== undefined) {
    if (!isRecord(raw.servers)) throw invalid(path, '"servers" must be an object')
    for (const [name, value] of Object.entries(raw.servers)) {
      if (!NAME_PATTERN.test(name)) throw invalid(path, `server name ${quote(name)} is not valid`)
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
    entry.tools = {}
    for (const [tool, rule] of Object.entries(value.tools)) {
      entry.tools[tool] = parseToolRule(rule, `${at}.tools.${tool}`, path)
    }
  }
  if (value.scope !== undefined) {
    if (typeof value.scope !== 'string') throw invalid(path, `"${at}.scope" must be a string`)
    entry.scope = value.scope
  }
  if (value.clientMetadataUrl !== undefined) {
    if (typeof value.clientMetadataUrl !== 'string') throw invalid(path, `"${at}.clientMetadataUrl" must be a URL`)
    entry.clientMetadataUrl = value.clientMetadataUrl
  }
  if (value.callbackPort !== undefined) {
    if (!Number.isInteger(value.callbackPort) || (value.callbackPort as number) < 1 || (value.callbackPort as number) > 65535) {
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
  return entry
}

function parseToolRule(rule: unknown, at: string, path: string): ToolRule {
  if (isPolicy(rule)) return rule
  if (!isRecord(rule) || !isPolicy(rule.policy)) throw invalid(path, `"${at}" must be allow, ask or deny`)
  const approved = rule.approvedDefinition
  if (approved === undefined) return { policy: rule.policy }
  if (!isRecord(approved) || typeof approved.fingerprint !== 'string') throw invalid(path, `"${at}.approvedDefinition" must have a "fingerprint"`)
  return {
    policy: rule.policy,
    approvedDefinition: {
      fingerprint: approved.fingerprint,
      ...(typeof approved.description === 'string' ? { description: approved.description } : {}),
      ...(approved.inputSchema !== undefined ? { inputSchema: approved.inputSchema } : {}),
    },
  }
}

function invalid(path: string, what: string): BridgeError {
  return new BridgeError('CONFIG_INVALID', `${path} is not a valid configuration: ${what}.`, {
    hint: 'Fix the file by hand, or move it away and run `mcp-oauth-bridge init` to start again.',
  })
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
