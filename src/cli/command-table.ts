// Every command's arguments and options in one table, each with its value check. Commander runs
// the checks while it parses, so a bad value, an unknown option or a missing argument stops
// before any command does anything, and exits 2 with the reason (main.ts), the same way for all.
// Each entry's `run` names the options type its command takes, so the table and the command
// agree on what they pass.
import { InvalidArgumentError } from 'commander'
import { assertServerName } from '../config/schema.js'
import { parseDuration, parsePort } from './options.js'
import { parseArgsOption } from './args-option.js'
import type { CliContext } from './context.js'
import type { AddOptions } from './commands/add.js'
import type { loginCommand } from './commands/login.js'
import type { StartCommandOptions } from './commands/start.js'
import type { PolicyOptions } from './commands/policy.js'
import type { ConnectOptions } from './commands/connect.js'
import type { LogOptions } from './commands/log.js'
import type { DemoCommandOptions } from './commands/demo.js'
import type { OpenOptions } from './commands/open.js'

export interface ArgumentSpec {
  /** As commander writes it: `<name>` required, `[name]` optional, `[words...]` the rest. */
  syntax: string
  description?: string
  /** Throws a BridgeError (or any Error) whose message says what is wrong with the value. */
  check?: (value: string) => void
  choices?: readonly string[]
}

export interface OptionSpec {
  flags: string
  description: string
  /** Checks the value and returns what the command gets; its message is the reason shown. */
  parse?: (value: string, previous: unknown) => unknown
  choices?: readonly string[]
  defaultValue?: unknown
}

export interface CommandSpec<Options = Record<string, never>> {
  /** `key move` is the subcommand `move` of `key`. */
  name: string
  aliases?: readonly string[]
  description: string
  arguments?: readonly ArgumentSpec[]
  options?: readonly OptionSpec[]
  run: (ctx: CliContext, args: string[], options: Options) => Promise<void>
}

/** Keeps each entry's options type while the table holds entries of different types. */
function define<Options>(spec: CommandSpec<Options>): CommandSpec<Options> {
  return spec
}

// Value checks -------------------------------------------------------------------------------

const port = (value: string) => parsePort(value)
const listenPort = (value: string) => parsePort(value, { allowZero: true })
/** Options that take a duration but give the command the text (the command words it itself). */
const durationText = (value: string) => (parseDuration(value), value)
/** `--since`: milliseconds back from now. */
const durationMs = (value: string) => parseDuration(value)
const jsonText = (value: string) => (parseArgsOption(value), value)
const positiveInteger = (flag: string) => (value: string) => {
  if (!/^[1-9]\d{0,5}$/.test(value))
    throw new Error(`${flag} takes a rule number (1, 2, …), not ${JSON.stringify(value)}.`)
  return value
}
const collect = (value: string, previous: unknown) => [
  ...(Array.isArray(previous) ? previous : []),
  value,
]

const serverName: ArgumentSpec = {
  syntax: '<name>',
  description: 'the server, as `list` names it',
  check: assertServerName,
}
const POLICIES = ['allow', 'ask', 'deny'] as const
/** The clients `connect` knows (src/cli/client-configs.ts); claude-code when left out. */
export const CONNECT_CLIENTS = ['claude-code', 'claude-desktop', 'cursor', 'vscode', 'sdk'] as const

/** Commands that talk to a bridge find the running one through its runtime file; --port overrides that. */
const RUNNING_PORT_HELP =
  'the port of the bridge to talk to (default: the running bridge, else config.json "port")'
const runningPort: OptionSpec = {
  flags: '--port <port>',
  description: RUNNING_PORT_HELP,
  parse: port,
}

// The table ------------------------------------------------------------------------------------

const add = (name: 'add' | 'add-server') =>
  define<AddOptions>({
    name,
    description:
      name === 'add'
        ? 'add an MCP server: discover its OAuth server, log in, save tokens encrypted'
        : 'same as add',
    arguments: [
      serverName,
      { syntax: '<url>', description: 'the MCP endpoint (https, or http to this machine)' },
    ],
    options: [
      { flags: '--client-id <id>', description: 'a client registered with the provider by hand' },
      { flags: '--client-secret <secret>', description: 'its secret, for confidential clients' },
      {
        flags: '--scope <scopes>',
        description: 'the scopes to ask for, space-separated (default: what the server names)',
      },
      {
        flags: '--client-metadata-url <url>',
        description: 'an https URL where you host a client ID metadata document',
      },
      {
        flags: '--no-browser',
        description:
          'print the login URL instead of opening it, and accept the final URL pasted back',
      },
      { flags: '--device', description: 'log in with the device authorization grant (RFC 8628)' },
      { flags: '--policy <policy>', description: 'default for tool calls', choices: POLICIES },
      {
        flags: '--header <header>',
        description: 'a header sent upstream, "Name: value" (repeatable; kept encrypted)',
        parse: collect,
        defaultValue: [],
      },
      {
        flags: '--transport <transport>',
        description: 'upstream transport',
        choices: ['auto', 'http', 'sse'],
      },
      {
        flags: '--callback-port <port>',
        description:
          'the loopback port of the redirect URI (default: a free one, kept for this server)',
        parse: port,
      },
      {
        flags: '--client-credentials',
        description: 'machine-to-machine: the client credentials grant, no browser',
      },
      {
        flags: '--private-key <pem-file>',
        description: 'with --client-credentials: authenticate with private_key_jwt',
      },
    ],
    run: async (ctx, [server, url], options) =>
      (await import('./commands/add.js')).addCommand(ctx, server as string, url as string, options),
  })

export const COMMANDS = [
  define<{ force?: boolean }>({
    name: 'init',
    description:
      'create the bridge home (~/.mcp-oauth-bridge, or $MCP_OAUTH_BRIDGE_HOME) with a default config and an encryption key',
    options: [{ flags: '--force', description: 'reset config.json to the defaults' }],
    run: async (ctx, _args, options) =>
      (await import('./commands/init.js')).initCommand(ctx, options),
  }),
  add('add'),
  add('add-server'),
  define<StartCommandOptions>({
    name: 'start',
    description: 'serve every configured server at http://localhost:<port>/mcp/<name>',
    options: [
      {
        flags: '--port <port>',
        description: 'port to listen on (default: config.json "port", 3000; 0 picks a free one)',
        parse: listenPort,
      },
      { flags: '--host <host>', description: 'loopback address to listen on (default 127.0.0.1)' },
      { flags: '--no-auth', description: 'do not require the bridge access token (loopback only)' },
      { flags: '--open', description: 'open the dashboard in the browser' },
      { flags: '--verbose', description: 'log request bodies too (tokens and secrets redacted)' },
    ],
    run: async (ctx, _args, options) =>
      (await import('./commands/start.js')).startCommand(ctx, options),
  }),
  define<OpenOptions>({
    name: 'open',
    description:
      'a fresh one-time login link for the running bridge, opened in the browser (signs it in to the dashboard)',
    options: [{ flags: '--no-browser', description: 'print the link only' }, runningPort],
    run: async (ctx, _args, options) =>
      (await import('./commands/open.js')).openCommand(ctx, options),
  }),
  define<{ json?: boolean }>({
    name: 'list',
    description: 'servers, URL, token state and expiry, policy',
    options: [{ flags: '--json', description: 'machine-readable output' }],
    run: async (ctx, _args, options) =>
      (await import('./commands/list.js')).listCommand(ctx, options),
  }),
  define<Parameters<typeof loginCommand>[2]>({
    name: 'login',
    description: 'log in again (new scopes, revoked or refused refresh token)',
    arguments: [serverName],
    options: [
      { flags: '--no-browser', description: 'print the login URL instead of opening it' },
      { flags: '--device', description: 'log in with the device authorization grant (RFC 8628)' },
      { flags: '--scope <scopes>', description: 'ask for these scopes from now on' },
    ],
    run: async (ctx, [name], options) =>
      (await import('./commands/login.js')).loginCommand(ctx, name as string, options),
  }),
  define({
    name: 'logout',
    description: 'revoke (where supported) and forget the tokens of a server',
    arguments: [serverName],
    run: async (ctx, [name]) =>
      (await import('./commands/logout.js')).logoutCommand(ctx, name as string),
  }),
  define({
    name: 'remove',
    description: 'log out, then drop the server from the config',
    arguments: [serverName],
    run: async (ctx, [name]) =>
      (await import('./commands/logout.js')).removeCommand(ctx, name as string),
  }),
  define<PolicyOptions>({
    name: 'policy',
    description:
      "show a server's rules, or set one: [<tool>] allow|ask|deny, <tool> allow --for 1h, <tool> allow|ask|deny --when '<CEL>', <tool> clear, <tool> end-window, <tool> --remove-when <n>, read-only allow|ask, explain <tool> '<json>'",
    arguments: [serverName, { syntax: '[words...]' }],
    options: [
      {
        flags: '--for <duration>',
        description:
          'with <tool> allow: a time window (90s, 15m, 1h, 8h, 2d), after which the previous rule is back',
        parse: durationText,
      },
      {
        flags: '--when <expression>',
        description:
          'with <tool> allow|ask|deny: only for calls where this CEL expression over args, tool, server, client is true (first match wins)',
      },
      {
        flags: '--remove-when <n>',
        description:
          'with <tool>: remove its argument rule number n, as `policy <name>` lists them',
        parse: positiveInteger('--remove-when'),
      },
      { flags: '--client <name>', description: 'with explain: the client name the rules see' },
    ],
    run: async (ctx, [name, ...words], options) =>
      (await import('./commands/policy.js')).policyCommand(ctx, name as string, words, options),
  }),
  define<ConnectOptions>({
    name: 'connect',
    description:
      'how an MCP client reaches <name> through the bridge: claude-code (default), claude-desktop, cursor, vscode, sdk',
    arguments: [serverName, { syntax: '[client]', choices: CONNECT_CLIENTS }],
    options: [
      { flags: '--json', description: 'print {"url": ..., "headers": {...}}' },
      {
        flags: '--write',
        description: "add the entry to the client's config file (keeps the rest, makes a backup)",
      },
      {
        flags: '--file <path>',
        description: 'with --write: the config file to change, if not the usual one',
      },
      {
        flags: '--token',
        description:
          'the bridge access token header even for clients that log in to the bridge with OAuth (claude-code, cursor, vscode)',
      },
      runningPort,
    ],
    run: async (ctx, [name, client], options) =>
      (await import('./commands/connect.js')).connectCommand(ctx, name as string, client, options),
  }),
  define<{ port?: number; always?: boolean; json?: boolean; args?: string; for?: string }>({
    name: 'approvals',
    description:
      'list the calls waiting for approval, approve|deny <id>, or watch: answer each held call as it arrives (through the running bridge)',
    arguments: [{ syntax: '[action]', choices: ['approve', 'deny', 'watch'] }, { syntax: '[id]' }],
    options: [
      { flags: '--always', description: 'with approve: always allow this tool from now on' },
      {
        flags: '--for <duration>',
        description:
          'with approve: let this tool run without asking for that long (90s, 15m, 1h, 8h, 2d)',
        parse: durationText,
      },
      {
        flags: '--args <json>',
        description:
          "with approve: run the call with these arguments instead of the client's (a JSON object, checked against the tool's input schema)",
        parse: jsonText,
      },
      {
        flags: '--json',
        description:
          'machine-readable list; with watch: each held call as a JSON line, no questions',
      },
      runningPort,
    ],
    run: async (ctx, [action, id], options) =>
      (await import('./commands/approvals.js')).approvalsCommand(ctx, action, id, options),
  }),
  define<LogOptions>({
    name: 'log',
    description:
      'the approval decisions, newest last; --verify checks that none was edited, removed, moved or cut off',
    options: [
      {
        flags: '--server <name>',
        description: 'only the decisions on this server',
        parse: (value) => (assertServerName(value), value),
      },
      {
        flags: '--since <duration>',
        description: 'only the decisions of the last 90s, 15m, 1h, 2d, …',
        parse: durationMs,
      },
      { flags: '--json', description: 'the stored JSON lines, one decision per line' },
      {
        flags: '--verify',
        description: 'check the hash chain across every log file and its anchor',
      },
    ],
    run: async (ctx, _args, options) =>
      (await import('./commands/log.js')).logCommand(ctx, options),
  }),
  define<{ port?: number; json?: boolean }>({
    name: 'clients',
    description:
      'the MCP clients that logged in to the bridge (name, id, servers, last use); revoke <id>; login-link prints a fresh dashboard link (through the running bridge)',
    arguments: [{ syntax: '[action]', choices: ['revoke', 'login-link'] }, { syntax: '[id]' }],
    options: [{ flags: '--json', description: 'machine-readable output' }, runningPort],
    run: async (ctx, [action, id], options) =>
      (await import('./commands/clients.js')).clientsCommand(ctx, action, id, options),
  }),
  define<{ standalone?: boolean; port?: number }>({
    name: 'stdio',
    description:
      'an MCP server on stdin/stdout for clients that only launch commands (talks to the running bridge)',
    arguments: [serverName],
    options: [
      {
        flags: '--standalone',
        description: 'start a bridge in this process instead of using the running one',
      },
      runningPort,
    ],
    run: async (ctx, [name], options) =>
      (await import('./commands/stdio.js')).stdioCommand(ctx, name as string, options),
  }),
  define<{ json?: boolean; port?: number }>({
    name: 'doctor',
    description: 'check the setup and say what to fix',
    options: [
      { flags: '--json', description: 'machine-readable output' },
      {
        flags: '--port <port>',
        description: 'check the bridge on this port instead of the running one',
        parse: port,
      },
    ],
    run: async (ctx, _args, options) =>
      (await import('./commands/doctor.js')).doctorCommand(ctx, options),
  }),
  define({
    name: 'key move',
    description:
      'move the encryption key to "keychain" or "file" (copies, checks the token store opens with the copy, then removes the old one)',
    arguments: [{ syntax: '<place>', choices: ['keychain', 'file'] }],
    run: async (ctx, [place]) =>
      (await import('./commands/key.js')).keyMoveCommand(ctx, place as string),
  }),
  define({
    name: 'token',
    description: 'print a valid access token, refreshing it if needed',
    arguments: [serverName],
    run: async (ctx, [name]) =>
      (await import('./commands/token.js')).tokenCommand(ctx, name as string),
  }),
  define<DemoCommandOptions>({
    name: 'demo',
    description:
      'a local OAuth-protected MCP server to try everything on, served through the bridge',
    options: [
      { flags: '--no-browser', description: 'print the login URL instead of opening it' },
      {
        flags: '--port <port>',
        description: 'bridge port (default: config.json "port", 3000; 0 picks a free one)',
        parse: listenPort,
      },
    ],
    // Loaded on use: the demo server pulls in express and the SDK's server side, which no other command needs.
    run: async (ctx, _args, options) =>
      (await import('./commands/demo.js')).demoCommand(ctx, options),
  }),
] as const satisfies ReadonlyArray<CommandSpec<never>>

/** Wraps a check so commander reports its message as bad usage (exit 2) before anything runs. */
export function asCommanderParser<T>(
  check: (value: string, previous: unknown) => T,
): (value: string, previous: unknown) => T {
  return (value, previous) => {
    try {
      return check(value, previous)
    } catch (error) {
      const hint = (error as { hint?: unknown }).hint
      throw new InvalidArgumentError(
        `${(error as Error).message}${typeof hint === 'string' ? ` ${hint}` : ''}`,
      )
    }
  }
}
