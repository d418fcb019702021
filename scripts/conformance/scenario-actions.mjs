// What an MCP client does in each conformance scenario once it has a transport.
// Shared by client.mjs (through the product's proxy) and sdk-client.mjs (bare SDK baseline).
// All knowledge of scenario names lives in scripts/conformance/, never in src/.

import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'

export const CIMD_CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json'

export function log(...args) {
  process.stderr.write(`[conformance-client] ${args.map(String).join(' ')}\n`)
}

/** MCP_CONFORMANCE_CONTEXT as an object ({} when unset). */
export function readContext() {
  const raw = process.env.MCP_CONFORMANCE_CONTEXT
  if (!raw) return {}
  try {
    return JSON.parse(raw)
  } catch (err) {
    throw new Error(`MCP_CONFORMANCE_CONTEXT is not JSON: ${err.message}`)
  }
}

export function isClientCredentialsScenario(scenario) {
  return scenario.startsWith('auth/client-credentials-')
}

/** Fill every property's `default` into the accepted content (SEP-1034). */
export function contentWithDefaults(requestedSchema, given = {}) {
  const content = { ...given }
  for (const [key, prop] of Object.entries(requestedSchema?.properties ?? {})) {
    if (!(key in content) && prop && typeof prop === 'object' && 'default' in prop) {
      content[key] = prop.default
    }
  }
  return content
}

/**
 * Wraps a fetch so the caller can wait for the first standalone GET SSE stream to open.
 * The elicitation scenario's server sends `elicitation/create` on that stream (not on the
 * tools/call POST stream) and silently drops it when the stream is not open yet, so the
 * client waits for it before calling the tool. Real clients race here too; the wait only
 * removes the race from the measurement.
 */
export function trackGetStream(fetchFn = fetch) {
  let resolveOpen
  const opened = new Promise((resolve) => {
    resolveOpen = resolve
  })
  const wrapped = async (input, init) => {
    const res = await fetchFn(input, init)
    const method = (init?.method ?? 'GET').toUpperCase()
    const isSse = (res.headers.get('content-type') ?? '').includes('text/event-stream')
    if (method === 'GET' && res.ok && isSse) resolveOpen(true)
    return res
  }
  const waitForGetStream = (timeoutMs) =>
    Promise.race([
      opened,
      new Promise((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
    ])
  return { fetch: wrapped, waitForGetStream }
}

/**
 * json-schema-2020-12-preservation: the focal tool's inputSchema, as this client received it
 * (through the bridge's tools/list relay), goes back verbatim to the echo tool.
 */
export function echoCall(tools) {
  const focal = tools.find((t) => t.name === 'json_schema_2020_12_tool')
  if (!focal || !tools.some((t) => t.name === 'json_schema_echo')) return undefined
  return { name: 'json_schema_echo', arguments: { schema: focal.inputSchema } }
}

/**
 * Connects an SDK Client over `transport` and does what `scenario` expects.
 * @param {{ scenario: string, transport: import('@modelcontextprotocol/sdk/shared/transport.js').Transport,
 *           waitForGetStream?: (ms: number) => Promise<boolean> }} opts
 */
export async function runScenario({ scenario, transport, waitForGetStream }) {
  const isElicitation = scenario === 'elicitation-sep1034-client-defaults'
  const client = new Client(
    { name: 'mcp-oauth-bridge-conformance', version: '1.0.0' },
    { capabilities: isElicitation ? { elicitation: { form: {} } } : {} },
  )
  client.onerror = (err) => log(`client error (non-fatal): ${err?.message ?? err}`)

  if (isElicitation) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      const params = request.params
      const content = contentWithDefaults(params.requestedSchema)
      log(`elicitation/create answered: accept ${JSON.stringify(content)}`)
      return { action: 'accept', content }
    })
  }

  await client.connect(transport)
  log(
    `initialized: server ${JSON.stringify(client.getServerVersion())}, protocol ${transport.protocolVersion ?? '?'}`,
  )

  try {
    if (scenario === 'initialize') {
      return
    }

    const { tools } = await client.listTools()
    log(`tools/list: ${tools.map((t) => t.name).join(', ') || '(none)'}`)

    let call
    if (scenario === 'tools_call') {
      call = { name: 'add_numbers', arguments: { a: 5, b: 3 } }
    } else if (isElicitation) {
      if (waitForGetStream) {
        const open = await waitForGetStream(3000)
        log(open ? 'GET SSE stream is open' : 'GET SSE stream not open after 3 s; calling anyway')
      }
      call = { name: 'test_client_elicitation_defaults', arguments: {} }
    } else if (scenario === 'sse-retry') {
      call = { name: 'test_reconnection', arguments: {} }
    } else if (echoCall(tools)) {
      call = echoCall(tools)
    } else if (isClientCredentialsScenario(scenario)) {
      call = undefined // the scenario only checks the token request and one authorized call
    } else if (tools.length > 0) {
      call = { name: tools[0].name, arguments: {} }
    }

    if (call) {
      const result = await client.callTool(call, undefined, { timeout: 25_000 })
      const text = (result.content ?? [])
        .map((c) => (c.type === 'text' ? c.text : `[${c.type}]`))
        .join(' ')
      log(`tools/call ${call.name}: ${result.isError ? 'isError ' : ''}${text.slice(0, 300)}`)
      if (result.isError)
        throw new Error(`tool ${call.name} returned isError: ${text.slice(0, 300)}`)
    }
  } finally {
    await transport.close().catch(() => {})
  }
}
