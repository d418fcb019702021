// URLs that come from servers (metadata endpoints, the authorization URL) are untrusted: only
// https, or http to this machine, and nothing a shell or a browser could read as something else.
import { BridgeError, quote } from '../errors.js'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname)
}

/**
 * Parses `value` and checks it is fit to fetch or to open in a browser.
 * `what` names the URL in the error ("authorization_endpoint", "server URL", ...).
 */
export function parseSafeUrl(value: unknown, what: string): URL {
  if (typeof value !== 'string' || value.length === 0) {
    throw new BridgeError('UNSAFE_URL', `The ${what} is missing or not a string.`)
  }
  // Control characters, quotes, spaces and shell metacharacters have no place in a URL a server
  // sends us; refusing them outright beats hoping every consumer escapes them.
  if (/[\u0000-\u0020\u007f"'`\\<>|;$]/.test(value) || value.length > 8192) {
    throw new BridgeError(
      'UNSAFE_URL',
      `The ${what} ${quote(value)} contains characters a URL must not carry.`,
      {
        hint: 'The server sent a malformed or hostile URL; report it to the server operator.',
      },
    )
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new BridgeError('UNSAFE_URL', `The ${what} ${quote(value)} is not a valid URL.`)
  }
  const isHttps = url.protocol === 'https:'
  const isLoopbackHttp = url.protocol === 'http:' && isLoopbackHost(url.hostname)
  if (!isHttps && !isLoopbackHttp) {
    throw new BridgeError(
      'UNSAFE_URL',
      `The ${what} ${quote(value)} is neither https nor http on this machine.`,
      {
        hint: 'OAuth metadata and endpoints must use https (plain http only on this machine: localhost, 127.0.0.1, [::1]), so nothing was sent there. Report it to the server operator.',
      },
    )
  }
  if (url.username || url.password) {
    throw new BridgeError(
      'UNSAFE_URL',
      `The ${what} ${quote(value)} carries credentials, which is refused.`,
    )
  }
  return url
}

/** Parses the MCP server URL a user typed: http(s) only, with a helpful message otherwise. */
export function parseServerUrl(value: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new BridgeError('BAD_USAGE', `${quote(value)} is not a URL.`, {
      hint: 'Give the full address of the MCP server, for example https://mcp.example.com/mcp',
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BridgeError('BAD_USAGE', `${quote(value)} is not an http or https URL.`, {
      hint: 'Remote MCP servers are reached over https, for example https://mcp.example.com/mcp',
    })
  }
  if (url.username || url.password) {
    throw new BridgeError(
      'BAD_USAGE',
      'Put credentials in --header or --client-secret, not in the URL.',
    )
  }
  url.hash = ''
  return url
}
