// argv → command → exit status. Parses with commander, runs one command, and turns every
// failure into a message for a person: 2 for bad usage, 1 for a failed operation.
import { Command, CommanderError, Option } from 'commander'
import { BridgeError } from '../errors.js'
import { createContext, type CliContext } from './context.js'
import { durationOption, portOption } from './options.js'
import { reportError, type Streams } from './output.js'
import { VERSION } from '../version.js'

// Each command's module is loaded when the command runs: `start` need not load the OAuth flow,
// and every command starts faster.
export async function main(argv: string[], streams: Streams & { stdin: CliContext['stdin'] }, env: NodeJS.ProcessEnv): Promise<number> {
  const ctx = createContext(streams, env)
  const program = buildProgram(ctx, streams)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; everything else commander reports is bad usage.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2
    }
    return reportError(error, streams, env)
  }
}

function buildProgram(ctx: CliContext, streams: Streams): Command {
  const program = new Command('mcp-oauth-bridge')
    .description('Use OAuth-protected remote MCP servers without writing OAuth code.')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    })

  program
    .command('init')
    .description(`create ${ctx.paths.home} with a default config and an encryption key`)
    .option('--force', 'reset config.json to the defaults')
    .action(async (options: { force?: boolean }) => (await import('./commands/init.js')).initCommand(ctx, options))

  for (const name of ['add', 'add-server']) {
    program
      .command(`${name} <name> <url>`)
      .description(name === 'add' ? 'add an MCP server: discover its OAuth server, log in, save tokens encrypted' : 'same as add')
      .option('--client-id <id>', 'a client registered with the provider by hand')
      .option('--client-secret <secret>', 'its secret, for confidential clients')
      .option('--scope <scopes>', 'the scopes to ask for, space-separated (default: what the server names)')
      .option('--client-metadata-url <url>', 'an https URL where you host a client ID metadata document')
      .option('--no-browser', 'print the login URL instead of opening it, and accept the final URL pasted back')
      .option('--device', 'log in with the device authorization grant (RFC 8628)')
      .option('--policy <policy>', 'default for tool calls: allow, ask or deny')
      .option('--header <header>', 'a header sent upstream, "Name: value" (repeatable; kept encrypted)', collect, [])
      .addOption(new Option('--transport <transport>', 'upstream transport').choices(['auto', 'http', 'sse']))
      .addOption(portOption('--callback-port <port>', 'the loopback port of the redirect URI (default: a free one, kept for this server)'))
      .option('--client-credentials', 'machine-to-machine: the client credentials grant, no browser')
      .option('--private-key <pem-file>', 'with --client-credentials: authenticate with private_key_jwt')
      .action(async (server: string, url: string, options) => (await import('./commands/add.js')).addCommand(ctx, server, url, options))
  }

  program
    .command('start')
    .description('serve every configured server at http://127.0.0.1:<port>/mcp/<name>')
    .addOption(portOption('--port <port>', 'port to listen on (default: config.json "port", 3000; 0 picks a free one)', { allowZero: true }))
    .option('--host <host>', 'loopback address to listen on', undefined)
    .option('--no-auth', 'do not require the bridge access token (loopback only)')
    .option('--open', 'open the dashboard in the browser')
    .option('--verbose', 'log request bodies too (tokens and secrets redacted)')
    .action(async (options) => (await import('./commands/start.js')).startCommand(ctx, options))

  program
    .command('list')
    .description('servers, URL, token state and expiry, policy')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => (await import('./commands/list.js')).listCommand(ctx, options))

  program
    .command('login <name>')
    .description('log in again (new scopes, revoked or refused refresh token)')
    .option('--no-browser', 'print the login URL instead of opening it')
    .option('--device', 'log in with the device authorization grant (RFC 8628)')
    .option('--scope <scopes>', 'ask for these scopes from now on')
    .action(async (name: string, options) => (await import('./commands/login.js')).loginCommand(ctx, name, options))

  program
    .command('logout <name>')
    .description('revoke (where supported) and forget the tokens of a server')
    .action(async (name: string) => (await import('./commands/logout.js')).logoutCommand(ctx, name))

  program
    .command('remove <name>')
    .description('log out, then drop the server from the config')
    .action(async (name: string) => (await import('./commands/logout.js')).removeCommand(ctx, name))

  program
    .command('policy <name> [words...]')
    .description("show a server's rules, or set one: [<tool>] allow|ask|deny, <tool> allow --for 1h, <tool> allow|ask|deny --when '<CEL>', <tool> end-window, <tool> --remove-when <n>, read-only allow|ask, explain <tool> '<json>'")
    .option('--for <duration>', 'with <tool> allow: a time window (90s, 15m, 1h, 8h, 2d), after which the previous rule is back')
    .option('--when <expression>', "with <tool> allow|ask|deny: only for calls where this CEL expression over args, tool, server, client is true (first match wins)")
    .option('--remove-when <n>', 'with <tool>: remove its argument rule number n, as `policy <name>` lists them')
    .option('--client <name>', 'with explain: the client name the rules see')
    .action(async (name: string, words: string[], options) => (await import('./commands/policy.js')).policyCommand(ctx, name, words, options))

  program
    .command('connect <name> [client]')
    .description('how an MCP client reaches <name> through the bridge: claude-code (default), claude-desktop, cursor, vscode, sdk')
    .option('--json', 'print {"url": ..., "headers": {...}}')
    .option('--write', "add the entry to the client's config file (keeps the rest, makes a backup)")
    .option('--file <path>', 'with --write: the config file to change, if not the usual one')
    .option('--token', 'the bridge access token header even for clients that log in to the bridge with OAuth (claude-code, cursor, vscode)')
    .addOption(portOption('--port <port>', RUNNING_PORT_HELP))
    .action(async (name: string, client: string | undefined, options) => (await import('./commands/connect.js')).connectCommand(ctx, name, client, options))

  program
    .command('approvals [action] [id]')
    .description('list the calls waiting for approval, approve|deny <id>, or watch: answer each held call as it arrives (through the running bridge)')
    .option('--always', 'with approve: always allow this tool from now on')
    .option('--for <duration>', 'with approve: let this tool run without asking for that long (90s, 15m, 1h, 8h, 2d)')
    .option('--args <json>', "with approve: run the call with these arguments instead of the client's (a JSON object, checked against the tool's input schema)")
    .option('--json', 'machine-readable list; with watch: each held call as a JSON line, no questions')
    .addOption(portOption('--port <port>', RUNNING_PORT_HELP))
    .action(async (action: string | undefined, id: string | undefined, options) => (await import('./commands/approvals.js')).approvalsCommand(ctx, action, id, options))

  program
    .command('log')
    .description('the approval decisions, newest last; --verify checks that none was edited, removed, moved or cut off')
    .option('--server <name>', 'only the decisions on this server')
    .addOption(durationOption('--since <duration>', 'only the decisions of the last 90s, 15m, 1h, 2d, …'))
    .option('--json', 'the stored JSON lines, one decision per line')
    .option('--verify', 'check the hash chain across every log file and its anchor')
    .action(async (options: { server?: string; since?: number; json?: boolean; verify?: boolean }) => (await import('./commands/log.js')).logCommand(ctx, options))

  program
    .command('clients [action] [id]')
    .description('the MCP clients that logged in to the bridge (name, id, servers, last use); revoke <id>; login-link prints a fresh dashboard link (through the running bridge)')
    .option('--json', 'machine-readable output')
    .addOption(portOption('--port <port>', RUNNING_PORT_HELP))
    .action(async (action: string | undefined, id: string | undefined, options) => (await import('./commands/clients.js')).clientsCommand(ctx, action, id, options))

  program
    .command('stdio <name>')
    .description('an MCP server on stdin/stdout for clients that only launch commands (talks to the running bridge)')
    .option('--standalone', 'start a bridge in this process instead of using the running one')
    .addOption(portOption('--port <port>', RUNNING_PORT_HELP))
    .action(async (name: string, options) => (await import('./commands/stdio.js')).stdioCommand(ctx, name, options))

  program
    .command('doctor')
    .description('check the setup and say what to fix')
    .option('--json', 'machine-readable output')
    .addOption(portOption('--port <port>', 'check the bridge on this port instead of the running one'))
    .action(async (options: { json?: boolean; port?: number }) => (await import('./commands/doctor.js')).doctorCommand(ctx, options))

  const key = program
    .command('key')
    .description('where the encryption key of the token store lives: the OS keychain or the key file')
  key
    .command('move <place>')
    .description('move the key to "keychain" or "file" (copies, checks the token store opens with the copy, then removes the old one)')
    .action(async (place: string) => (await import('./commands/key.js')).keyMoveCommand(ctx, place))

  program
    .command('token <name>')
    .description('print a valid access token, refreshing it if needed')
    .action(async (name: string) => (await import('./commands/token.js')).tokenCommand(ctx, name))

  program
    .command('demo')
    .description('a local OAuth-protected MCP server to try everything on, served through the bridge')
    .option('--no-browser', 'print the login URL instead of opening it')
    .addOption(portOption('--port <port>', 'bridge port (default: config.json "port", 3000; 0 picks a free one)', { allowZero: true }))
    // Loaded on use: the demo server pulls in express and the SDK's server side, which no other command needs.
    .action(async (options: { browser: boolean; port?: number }) => (await import('./commands/demo.js')).demoCommand(ctx, options))

  return program
}

/** Commands that talk to a bridge find the running one through its runtime file; --port overrides that. */
const RUNNING_PORT_HELP = 'the port of the bridge to talk to (default: the running bridge, else config.json "port")'

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

export { BridgeError }
