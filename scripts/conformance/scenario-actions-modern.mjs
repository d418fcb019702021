// What an MCP client does in a conformance scenario run at the 2026-07-28 wire (the suite sets
// MCP_CONFORMANCE_PROTOCOL_VERSION). The client is SDK v2's (`@modelcontextprotocol/client`),
// pinned to 2026-07-28: no `initialize`, `_meta` and Mcp-* headers on every request, input_required
// rounds answered by the handlers below. The bridge is not an MCP client: these messages are the
// SDK's, and what the bridge adds is the path between them and the suite's server (headers
// forwarded and checked against the body, tokens injected, logins when challenged).

import { Client } from '@modelcontextprotocol/client'
import { contentWithDefaults, echoCall, log } from './scenario-actions.mjs'

export const MODERN_PROTOCOL_VERSION = '2026-07-28'

/** Arguments for tools whose scenario checks what the client sent. */
const KNOWN_ARGUMENTS = {
  add_numbers: { a: 5, b: 3 },
}

function textOf(result) {
  return (result?.content ?? [])
    .map((c) => (c.type === 'text' ? c.text : `[${c.type}]`))
    .join(' ')
    .slice(0, 300)
}

/**
 * Connects over `transport` and exercises what the server offers: the context's tool calls when
 * the scenario names them (http-custom-headers), else every listed tool (in parallel, so
 * request-state isolation is exercised), and every resource and prompt when the server has them
 * (http-standard-headers checks Mcp-Name on each). A failed call is logged, not fatal: the
 * scenario's checks judge the outcome.
 */
export async function runModernScenario({ scenario, transport, context = {} }) {
  const client = new Client(
    { name: 'mcp-oauth-bridge-conformance', version: '1.0.0' },
    {
      capabilities: { elicitation: { form: {} }, sampling: {}, roots: {} },
      versionNegotiation: { mode: { pin: MODERN_PROTOCOL_VERSION } },
    },
  )
  client.onerror = (err) => log(`client error (non-fatal): ${err?.message ?? err}`)
  client.setRequestHandler('elicitation/create', async (request) => {
    const content = contentWithDefaults(request.params?.requestedSchema, { confirmed: true })
    log(`elicitation/create answered: accept ${JSON.stringify(content)}`)
    return { action: 'accept', content }
  })
  client.setRequestHandler('sampling/createMessage', async () => ({
    role: 'assistant',
    content: { type: 'text', text: 'conformance sample' },
    model: 'conformance',
    stopReason: 'endTurn',
  }))
  client.setRequestHandler('roots/list', async () => ({
    roots: [{ uri: 'file:///tmp/conformance', name: 'conformance' }],
  }))

  await client.connect(transport)
  log(
    `connected (${scenario}): era ${client.getProtocolEra?.() ?? '?'}, version ${client.getNegotiatedProtocolVersion?.() ?? '?'}`,
  )
  try {
    const call = async (name, args) => {
      try {
        const result = await client.callTool({ name, arguments: args }, { timeout: 20_000 })
        log(`tools/call ${name}: ${result.isError ? 'isError ' : ''}${textOf(result)}`)
      } catch (error) {
        log(`tools/call ${name} failed: ${error?.message ?? error}`)
      }
    }

    if (Array.isArray(context.toolCalls) && context.toolCalls.length > 0) {
      await client
        .listTools()
        .catch((error) => log(`tools/list failed: ${error?.message ?? error}`))
      for (const { name, arguments: args } of context.toolCalls) await call(name, args ?? {})
    } else {
      const { tools } = await client.listTools()
      log(`tools/list: ${tools.map((t) => t.name).join(', ') || '(none)'}`)
      const echo = echoCall(tools)
      if (echo) await call(echo.name, echo.arguments)
      else await Promise.all(tools.map((tool) => call(tool.name, KNOWN_ARGUMENTS[tool.name] ?? {})))
    }

    const capabilities = client.getServerCapabilities?.() ?? {}
    if (capabilities.resources) {
      const { resources } = await client.listResources().catch(() => ({ resources: [] }))
      for (const resource of resources) {
        await client.readResource({ uri: resource.uri }).then(
          () => log(`resources/read ${resource.uri}`),
          (error) => log(`resources/read ${resource.uri} failed: ${error?.message ?? error}`),
        )
      }
    }
    if (capabilities.prompts) {
      const { prompts } = await client.listPrompts().catch(() => ({ prompts: [] }))
      for (const prompt of prompts) {
        await client.getPrompt({ name: prompt.name, arguments: {} }).then(
          () => log(`prompts/get ${prompt.name}`),
          (error) => log(`prompts/get ${prompt.name} failed: ${error?.message ?? error}`),
        )
      }
    }
  } finally {
    await client.close().catch(() => {})
  }
}
