// argv → command → exit status. Builds commander from the command table (command-table.ts),
// runs one command, and turns every failure into a message for a person: 2 for bad usage, 1 for
// a failed operation.
import { Argument, Command, CommanderError, Option } from 'commander'
import { BridgeError } from '../errors.js'
import { createContext, type CliContext } from './context.js'
import { COMMANDS, asCommanderParser, type CommandSpec } from './command-table.js'
import { reportError, type Streams } from './output.js'
import { VERSION } from '../version.js'

// Each command's module is loaded when the command runs: `start` need not load the OAuth flow,
// and every command starts faster.
export async function main(
  argv: string[],
  streams: Streams & { stdin: CliContext['stdin'] },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const ctx = createContext(streams, env)
  const program = buildProgram(ctx, streams)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; everything else commander reports is bad usage (it has
      // already written the reason to stderr).
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
        ? 0
        : 2
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
  const groups = new Map<string, Command>()
  for (const spec of COMMANDS as ReadonlyArray<CommandSpec<unknown>>) {
    const words = spec.name.split(' ')
    let parent = program
    if (words.length === 2) {
      const group = words[0] as string
      if (!groups.has(group))
        groups.set(group, program.command(group).description(GROUP_DESCRIPTIONS[group] ?? ''))
      parent = groups.get(group) as Command
    }
    addCommand(parent, words[words.length - 1] as string, spec, ctx)
  }
  return program
}

const GROUP_DESCRIPTIONS: Record<string, string> = {
  key: 'where the encryption key of the token store lives: the OS keychain or the key file',
}

function addCommand(
  parent: Command,
  name: string,
  spec: CommandSpec<unknown>,
  ctx: CliContext,
): void {
  const command = parent.command(name).description(spec.description)
  for (const alias of spec.aliases ?? []) command.alias(alias)
  for (const argument of spec.arguments ?? []) {
    const built = new Argument(argument.syntax, argument.description)
    if (argument.choices) built.choices(argument.choices)
    const check = argument.check
    if (check) built.argParser(asCommanderParser((value) => (check(value), value)))
    command.addArgument(built)
  }
  for (const option of spec.options ?? []) {
    const built = new Option(option.flags, option.description)
    if (option.choices) built.choices(option.choices)
    if (option.parse) built.argParser(asCommanderParser(option.parse))
    if (option.defaultValue !== undefined) built.default(option.defaultValue)
    command.addOption(built)
  }
  command.action(async (...received: unknown[]) => {
    // commander passes the arguments, then the options, then the command itself.
    const args = received
      .slice(0, (spec.arguments ?? []).length)
      .flatMap((value) => (Array.isArray(value) ? value : [value])) as string[]
    const options = received[(spec.arguments ?? []).length] as unknown
    // A variadic last argument is spread, so `run` gets every word in order.
    return spec.run(ctx, args, options)
  })
}

export { BridgeError }
