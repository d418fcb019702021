// The headers a 2026-07-28 request mirrors from its body, built for requests the bridge writes
// itself on behalf of a 2025 client (`basic/transports/streamable-http.mdx` §Request Metadata,
// §Value Encoding; `server/tools.mdx` §x-mcp-header). The gate's own checks (mcp-headers.ts)
// compare such headers; this side only has to produce them.
import type { Message } from './wire.js'
import { isRecord, paramsOf } from './wire.js'

/** Which body field `Mcp-Name` carries, per method. */
const NAME_FIELD: Record<string, 'name' | 'uri'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
}
const HEADER_TYPES = new Set(['string', 'integer', 'boolean'])
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** Printable ASCII without leading or trailing space can go as it is; anything else is base64. */
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/

export interface ParamDeclaration {
  path: string[]
  name: string
}

/**
 * `Mcp-Method`, `Mcp-Name` and one `Mcp-Param-{Name}` for each declared argument present and not
 * null. `declarations` come from the tool's `inputSchema` as the upstream listed it.
 */
export function routingHeaders(
  message: Message,
  declarations: ParamDeclaration[],
): Record<string, string> {
  const method = String(message.method)
  const headers: Record<string, string> = { 'mcp-method': method }
  const params = paramsOf(message)
  const field = NAME_FIELD[method]
  const name = field ? params?.[field] : undefined
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name)
  if (method !== 'tools/call') return headers
  for (const declaration of declarations) {
    const value = valueAt(params?.arguments, declaration.path)
    if (typeof value === 'string')
      headers[`mcp-param-${declaration.name.toLowerCase()}`] = encodeHeaderValue(value)
    else if (
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isSafeInteger(value))
    )
      headers[`mcp-param-${declaration.name.toLowerCase()}`] = String(value)
  }
  return headers
}

/** §Value Encoding: values a header cannot carry as they are go as `=?base64?…?=` of their UTF-8. */
export function encodeHeaderValue(value: string): string {
  if (PLAIN.test(value) && !(value.startsWith('=?base64?') && value.endsWith('?='))) return value
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`
}

/** Properties reached from the root through `properties` keys only, of a type a header may carry. */
export function paramDeclarations(
  schema: unknown,
  path: string[] = [],
  into: ParamDeclaration[] = [],
): ParamDeclaration[] {
  if (!isRecord(schema)) return into
  const name = schema['x-mcp-header']
  if (
    path.length > 0 &&
    typeof name === 'string' &&
    TOKEN.test(name) &&
    typeof schema.type === 'string' &&
    HEADER_TYPES.has(schema.type)
  ) {
    into.push({ path, name })
  }
  if (isRecord(schema.properties)) {
    for (const [key, child] of Object.entries(schema.properties))
      paramDeclarations(child, [...path, key], into)
  }
  return into
}

function valueAt(root: unknown, path: string[]): unknown {
  let node = root
  for (const key of path) {
    if (!isRecord(node)) return undefined
    node = node[key]
  }
  return node
}
