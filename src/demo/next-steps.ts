// What `demo` tells a newcomer once everything runs: where calls wait for approval, how to let
// them through, how to connect Claude Code, and a minimal SDK client. Text only; the command
// line prints it.
import { command } from '../cli/commands-named.js'

export interface NextStepsOptions {
  /** The name the demo server has in config.json (the path segment in /mcp/<name>). */
  name: string
  /** How a client reaches the server through the bridge, as `connect --json` gives it. */
  connection: { url: string; headers: Record<string, string> }
  /** Where held tool calls wait for a person. */
  approvalsUrl: string
}

export function describeNextSteps({ name, connection, approvalsUrl }: NextStepsOptions): string[] {
  const hasToken = Object.keys(connection.headers).length > 0
  return [
    '',
    'Next, in another terminal:',
    '',
    '  1. Every tool call waits for a person by default (policy "ask"). Approve or deny it on',
    `     ${approvalsUrl}${hasToken ? ` (sign in once with the dashboard link above; \`${command('open')}\` gives a fresh one),` : ','}`,
    `     or in a terminal: ${command('approvals')}`,
    '     To let the harmless tools run and keep asking only before money moves:',
    `       ${command(`policy ${name} allow`)}`,
    `       ${command(`policy ${name} send_money ask`)}`,
    '',
    '  2. Connect Claude Code to the demo through the bridge:',
    `       ${claudeCodeCommand(name, connection)}`,
    '',
    '  3. Or call it from TypeScript with the MCP SDK (npm install @modelcontextprotocol/sdk):',
    '',
    ...sdkSnippet(connection).map((line) => (line ? `       ${line}` : '')),
    '',
    ...(hasToken
      ? [
          "  These lines hold the bridge's access token: keep them off shared screens and out of git.",
          `  \`${command(`connect ${name} --token`)}\` prints them again (\`${command(`connect ${name} sdk`)}\` as SDK code).`,
          '',
        ]
      : []),
    '  Tools: echo, add, get_time, and send_money, which only pretends: it is the one to approve.',
    '',
  ]
}

/** The same line `connect <name> claude-code` prints. */
export function claudeCodeCommand(
  name: string,
  connection: NextStepsOptions['connection'],
): string {
  const headers = Object.entries(connection.headers).map(
    ([header, value]) => ` --header "${header}: ${value}"`,
  )
  return `claude mcp add --transport http ${name} ${connection.url}${headers.join('')}`
}

/** Ten lines that run as they are, as TypeScript or as plain ESM JavaScript. */
export function sdkSnippet(connection: NextStepsOptions['connection']): string[] {
  return [
    "import { Client } from '@modelcontextprotocol/sdk/client/index.js'",
    "import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'",
    '',
    `const headers = ${objectLiteral(connection.headers)}`,
    "const client = new Client({ name: 'my-first-client', version: '1.0.0' })",
    `await client.connect(new StreamableHTTPClientTransport(new URL('${connection.url}'), { requestInit: { headers } }))`,
    'console.log((await client.listTools()).tools.map((tool) => tool.name))',
    "const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })",
    "console.log(result.content) // [ { type: 'text', text: '5' } ]",
    'await client.close()',
  ]
}

/** `{ Authorization: "Bearer …" }`: quoted values, bare keys where JavaScript allows them. */
function objectLiteral(record: Record<string, string>): string {
  const entries = Object.entries(record).map(
    ([key, value]) =>
      `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: ${JSON.stringify(value)}`,
  )
  return entries.length > 0 ? `{ ${entries.join(', ')} }` : '{}'
}
