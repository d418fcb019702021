// The demo MCP server's tools: three harmless ones to see calls go through, and send_money, a
// stand-in for the kind of call a person should approve first (it only pretends).
import { McpServer, type CallToolResult } from '@modelcontextprotocol/server'
import * as z from 'zod'
import { VERSION } from '../version.js'

export const DEMO_TOOL_NAMES = ['echo', 'add', 'get_time', 'send_money'] as const

/**
 * A fresh McpServer for one serving unit: one 2026-07-28 request, or one 2025 session. Both eras
 * are served from this one definition, so they cannot drift apart.
 */
export function createDemoMcpServer(): McpServer {
  const server = new McpServer(
    { name: 'mcp-oauth-bridge-demo', title: 'Demo MCP server', version: VERSION },
    {
      instructions:
        'A practice server from `mcp-oauth-bridge demo`. Nothing it does has effects outside this process.',
    },
  )
  server.registerTool(
    'echo',
    {
      description: 'Returns the text it is given.',
      inputSchema: z.object({ text: z.string().describe('The text to send back') }),
    },
    ({ text }) => reply(text),
  )
  server.registerTool(
    'add',
    { description: 'Adds two numbers.', inputSchema: z.object({ a: z.number(), b: z.number() }) },
    ({ a, b }) => reply(String(a + b)),
  )
  server.registerTool(
    'get_time',
    { description: "The server's current time, in ISO 8601 (UTC)." },
    () => reply(new Date().toISOString()),
  )
  server.registerTool(
    'send_money',
    {
      title: 'Send money (pretend)',
      description:
        'Pretends to send money: nothing is sent. This is the tool that shows approvals: a call that ' +
        'moves money is what a person should approve first.',
      inputSchema: z.object({
        to: z.string().min(1).max(200).describe('Who would receive the money'),
        amount: z.number().positive().describe('How much would be sent'),
      }),
      annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    ({ to, amount }) =>
      reply(`Pretended to send ${amount} to ${to}. No money moved: this is the demo server.`),
  )
  return server
}

function reply(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] }
}
