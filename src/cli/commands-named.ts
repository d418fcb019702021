// Every sentence that tells a person to run a command, in one place, so a renamed command or flag
// is changed once. A leaf module (it imports nothing): the bridge's pages and JSON-RPC answers use
// it too, and importing it from src/server/ pulls in no command-line code, so the layering stays
// cli → server, never the other way for anything with behaviour.

const BIN = 'mcp-oauth-bridge'

/** `mcp-oauth-bridge <words>`, as a person types it. */
export function command(words: string): string {
  return `${BIN} ${words}`
}

/** `mcp-oauth-bridge <name> <words…>` for one command, made once so a renamed command changes here. */
function named(name: string): (...words: string[]) => string {
  return (...words) => command([name, ...words].join(' '))
}

/**
 * The command lines that messages spell out, one per command: `commandLine.login('notion')` is
 * `mcp-oauth-bridge login notion`, `commandLine.login()` is `mcp-oauth-bridge login`.
 */
export const commandLine = {
  add: named('add'),
  doctor: named('doctor'),
  init: named('init'),
  keyMove: named('key move'),
  login: named('login'),
  remove: named('remove'),
} as const

/** How to get a fresh one-time dashboard login link from the running bridge. */
export function freshLoginLinkHint(): string {
  return `Run \`${command('open')}\` for a fresh login link (it opens the dashboard), or \`${command('open --no-browser')}\` to print it.`
}

/** How a client learns the URL and header to reach `server` through the bridge. */
export function connectHint(server: string): string {
  return `Get the URL and header for your client with: ${command(`connect ${server}`)}`
}

/** How to log in to an upstream server again. */
export function loginHint(server: string, scope?: string): string {
  return `Run \`${commandLine.login(server)}\`${scope ? ` (add --scope "${scope}" if the server needs it)` : ''}.`
}

/** How to add an upstream server. */
export function addServerHint(): string {
  return `Add one with \`${commandLine.add('<name>', '<url>')}\`.`
}

/** How to start the bridge. */
export function startHint(): string {
  return `Start it with \`${command('start')}\` (or pass --port if it listens elsewhere).`
}
