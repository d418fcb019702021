// MCP 2026-07-28 mirrors parts of the body in HTTP headers (`Mcp-Method`, `Mcp-Name`,
// `Mcp-Param-*`, `MCP-Protocol-Version`) so that load balancers and gateways can route without
// parsing JSON. The gate judges the body, so a request whose headers say something else must not
// pass: the upstream side might act on the headers (a `tools/call` labelled `tools/list`, a
// `Mcp-Name` the person never saw). An intermediary that processes the body MUST check them
// (`basic/transports/streamable-http.mdx` §Server Validation), and answers as a server would:
// HTTP 400 with JSON-RPC -32020 HeaderMismatch.
import type { IncomingHttpHeaders } from 'node:http'
import { errorResponse, type JsonRpcId, type JsonRpcMessage, type ParsedBody } from './jsonrpc.js'

/** `basic/index.mdx` §Error Codes: -32020 HeaderMismatch, always with HTTP 400. */
export const HEADER_MISMATCH = -32020
export const HEADER_MISMATCH_STATUS = 400

/** The first revision whose requests carry the per-request `_meta` envelope and the mirrored headers. */
export const FIRST_MODERN_VERSION = '2026-07-28'

const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion'
const CLIENT_INFO_META = 'io.modelcontextprotocol/clientInfo'

/**
 * Which body field `Mcp-Name` mirrors, per method (`streamable-http.mdx` §Request Metadata); the
 * tasks extension adds `taskId` (`seps/2663-tasks-extension.md` §Streamable HTTP: Routing Headers).
 */
const NAME_SOURCE: Record<string, 'name' | 'uri' | 'taskId'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
}
/** The core methods on which a modern request without `Mcp-Name` is malformed; the extension's are only compared. */
const NAME_REQUIRED = new Set(['tools/call', 'prompts/get', 'resources/read'])

/** `x-mcp-header` is allowed on these property types only (`server/tools.mdx` §x-mcp-header). */
const HEADER_PROPERTY_TYPES = new Set(['string', 'integer', 'boolean'])
/** RFC 9110 §5.6.2 token: what an `x-mcp-header` value must be. */
const HEADER_NAME_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const BASE64_PREFIX = '=?base64?'
const BASE64_SUFFIX = '?='
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const DECIMAL = /^-?\d+(?:\.\d+)?$/
const VERSION_DATE = /^\d{4}-\d{2}-\d{2}$/

/** Why a request is refused: the header, what it said (null when absent) and what the body says. */
export interface HeaderMismatch {
  header: string
  headerValue: string | null
  bodyValue: unknown
  message: string
}

export interface ParamHeader {
  /** The property path from `arguments`, through `properties` keys only. */
  path: string[]
  /** The header name as the schema spells it, after `Mcp-Param-`. */
  name: string
  type: string
}

/** A tool's input schema as the catalog knows it, or undefined when the bridge has not seen the tool. */
export type InputSchemaLookup = (tool: string) => unknown

/**
 * Checks the mirrored headers of a POST against its body; undefined when they agree (or when
 * there is nothing to compare). Legacy traffic without these headers costs a few lookups.
 */
export function checkMcpHeaders(
  headers: IncomingHttpHeaders,
  parsed: ParsedBody,
  inputSchemaOf: InputSchemaLookup,
): HeaderMismatch | undefined {
  if (parsed.kind === 'batch') return checkBatch(headers)
  if (parsed.kind !== 'single') return undefined
  const message = parsed.message
  const headerVersion = single(headers['mcp-protocol-version'])
  const bodyVersion = metaOf(message)?.[PROTOCOL_VERSION_META]
  if (headerVersion !== undefined && bodyVersion !== undefined && headerVersion !== bodyVersion) {
    return mismatch('MCP-Protocol-Version', headerVersion, bodyVersion)
  }
  const modern = isModernVersion(headerVersion ?? bodyVersion)
  // Header rules for notifications are "not defined by this revision" (§Sending Messages): a header
  // that is there is still compared, but none is required.
  const isRequest = typeof message.method === 'string' && message.id !== undefined
  const required = modern && isRequest
  if (required && headerVersion === undefined) return missing('MCP-Protocol-Version', bodyVersion)

  const headerMethod = single(headers['mcp-method'])
  if (headerMethod !== undefined) {
    if (headerMethod !== message.method) return mismatch('Mcp-Method', headerMethod, message.method)
  } else if (required) {
    return missing('Mcp-Method', message.method)
  }

  const method = typeof message.method === 'string' ? message.method : ''
  const params = paramsOf(message)
  const nameSource = NAME_SOURCE[method]
  if (nameSource !== undefined) {
    const bodyName = params?.[nameSource]
    const headerName = single(headers['mcp-name'])
    if (headerName !== undefined) {
      const decoded = decodeHeaderValue(headerName)
      if (decoded === undefined) return badEncoding('Mcp-Name', headerName, bodyName)
      if (decoded !== bodyName) return mismatch('Mcp-Name', decoded, bodyName)
    } else if (required && NAME_REQUIRED.has(method)) {
      return missing('Mcp-Name', bodyName)
    }
  }

  if (method === 'tools/call' && typeof params?.name === 'string') {
    const declared = paramHeadersOf(inputSchemaOf(params.name))
    if (declared.length > 0) return checkParamHeaders(headers, declared, params.arguments, modern)
  }
  return undefined
}

/**
 * A 2026-07-28 body is exactly one message (§Sending Messages), and the mirrored headers describe
 * that one message: on a batch they could only describe one call of several.
 */
function checkBatch(headers: IncomingHttpHeaders): HeaderMismatch | undefined {
  const version = single(headers['mcp-protocol-version'])
  if (isModernVersion(version)) return batchRefused('MCP-Protocol-Version', version as string)
  for (const name of Object.keys(headers)) {
    if (name === 'mcp-method' || name === 'mcp-name' || name.startsWith('mcp-param-'))
      return batchRefused(headerSpelling(name), String(headers[name]))
  }
  return undefined
}

/**
 * `Mcp-Param-{Name}` against its argument (§Server Validation): integers compare numerically,
 * everything else as the decoded string. A modern request must carry the header whenever the
 * argument is present and not null; a header whose argument is absent describes a call the body
 * does not make. Headers no schema declares pass untouched (an intermediary MUST forward them).
 */
function checkParamHeaders(
  headers: IncomingHttpHeaders,
  declared: ParamHeader[],
  args: unknown,
  modern: boolean,
): HeaderMismatch | undefined {
  for (const param of declared) {
    const header = `Mcp-Param-${param.name}`
    const headerValue = single(headers[`mcp-param-${param.name.toLowerCase()}`])
    const bodyValue = valueAt(args, param.path)
    const bodyText =
      bodyValue === undefined || bodyValue === null ? undefined : primitiveText(bodyValue)
    if (headerValue === undefined) {
      if (modern && bodyText !== undefined) return missing(header, bodyValue)
      continue
    }
    const decoded = decodeHeaderValue(headerValue)
    if (decoded === undefined) return badEncoding(header, headerValue, bodyValue)
    const equal =
      bodyText === undefined
        ? false
        : param.type === 'integer' && typeof bodyValue === 'number' && DECIMAL.test(decoded)
          ? Number(decoded) === bodyValue
          : decoded === bodyText
    if (!equal) return mismatch(header, decoded, bodyValue ?? null)
  }
  return undefined
}

/** The JSON-RPC answer for a refused request, as a 2026-07-28 server gives it. */
export function headerMismatchResponse(id: JsonRpcId | undefined, refusal: HeaderMismatch): object {
  return errorResponse(id ?? null, HEADER_MISMATCH, refusal.message, {
    header: refusal.header,
    headerValue: refusal.headerValue,
    bodyValue: refusal.bodyValue ?? null,
  })
}

/**
 * A request of 2026-07-28 or later: its answers carry `resultType` (`basic/index.mdx`
 * §ResultType), its cancellation is closing the stream, and it has no session.
 */
export function isModernRequest(message: JsonRpcMessage, headers: IncomingHttpHeaders): boolean {
  return isModernVersion(
    single(headers['mcp-protocol-version']) ?? metaOf(message)?.[PROTOCOL_VERSION_META],
  )
}

/**
 * The client's own name from a 2026-07-28 request's `_meta` (there is no `initialize` to learn it
 * from). Self-reported, so it is only shown, never trusted.
 */
export function declaredClientName(message: JsonRpcMessage): string | undefined {
  const info = metaOf(message)?.[CLIENT_INFO_META] as { name?: unknown } | undefined
  return typeof info?.name === 'string' && info.name !== '' ? info.name.slice(0, 200) : undefined
}

function isModernVersion(version: unknown): boolean {
  return (
    typeof version === 'string' && VERSION_DATE.test(version) && version >= FIRST_MODERN_VERSION
  )
}

/**
 * `=?base64?…?=` carries values that a plain header cannot (§Value Encoding); undefined when the
 * payload is not canonical base64 of UTF-8, which a server must refuse.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (
    !value.startsWith(BASE64_PREFIX) ||
    !value.endsWith(BASE64_SUFFIX) ||
    value.length < BASE64_PREFIX.length + BASE64_SUFFIX.length
  )
    return value
  const payload = value.slice(BASE64_PREFIX.length, value.length - BASE64_SUFFIX.length)
  if (!CANONICAL_BASE64.test(payload)) return undefined
  try {
    return utf8.decode(Buffer.from(payload, 'base64'))
  } catch {
    return undefined
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

const declarationsBySchema = new WeakMap<object, ParamHeader[]>()
const NONE: ParamHeader[] = []

/**
 * The `x-mcp-header` declarations of a schema, found once per catalog entry: properties reached
 * from the root through `properties` keys only, of a permitted type, with a token for a name
 * (`server/tools.mdx` §x-mcp-header). Anything else is not a header the bridge can compare.
 */
export function paramHeadersOf(schema: unknown): ParamHeader[] {
  if (typeof schema !== 'object' || schema === null) return NONE
  let found = declarationsBySchema.get(schema)
  if (!found) {
    found = []
    collect(schema, [], found)
    declarationsBySchema.set(schema, found.length > 0 ? found : NONE)
  }
  return found
}

function collect(schema: object, path: string[], into: ParamHeader[]): void {
  const node = schema as { 'x-mcp-header'?: unknown; type?: unknown; properties?: unknown }
  const name = node['x-mcp-header']
  if (
    path.length > 0 &&
    typeof name === 'string' &&
    HEADER_NAME_TOKEN.test(name) &&
    typeof node.type === 'string' &&
    HEADER_PROPERTY_TYPES.has(node.type)
  ) {
    into.push({ path, name, type: node.type })
  }
  const properties = node.properties
  if (typeof properties !== 'object' || properties === null) return
  for (const [key, child] of Object.entries(properties)) {
    if (typeof child === 'object' && child !== null) collect(child, [...path, key], into)
  }
}

export function valueAt(root: unknown, path: string[]): unknown {
  let node = root
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

/** §Value Encoding: strings as they are, numbers in decimal, booleans as `true`/`false`. */
export function primitiveText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function paramsOf(message: JsonRpcMessage): Record<string, unknown> | undefined {
  const params = message.params
  return typeof params === 'object' && params !== null
    ? (params as Record<string, unknown>)
    : undefined
}

function metaOf(message: JsonRpcMessage): Record<string, unknown> | undefined {
  const meta = paramsOf(message)?._meta
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined
}

/** `mcp-param-region` → `Mcp-Param-Region`, for messages only (names are case-insensitive). */
function headerSpelling(lower: string): string {
  return lower.replace(
    /(^|-)([a-z])/g,
    (_all, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`,
  )
}

function quoted(value: unknown): string {
  return typeof value === 'string'
    ? `'${value}'`
    : value === undefined
      ? 'absent'
      : JSON.stringify(value)
}

function mismatch(header: string, headerValue: string, bodyValue: unknown): HeaderMismatch {
  return {
    header,
    headerValue,
    bodyValue,
    message: `Header mismatch: ${header} header value ${quoted(headerValue)} does not match body value ${quoted(bodyValue)}`,
  }
}

function missing(header: string, bodyValue: unknown): HeaderMismatch {
  return {
    header,
    headerValue: null,
    bodyValue,
    message: `Header mismatch: the ${header} header is required on a ${FIRST_MODERN_VERSION} request and is missing (body value ${quoted(bodyValue)})`,
  }
}

function badEncoding(header: string, headerValue: string, bodyValue: unknown): HeaderMismatch {
  return {
    header,
    headerValue,
    bodyValue,
    message: `Header mismatch: ${header} header value ${quoted(headerValue)} is not valid =?base64?…?= encoding of UTF-8`,
  }
}

function batchRefused(header: string, headerValue: string): HeaderMismatch {
  return {
    header,
    headerValue,
    bodyValue: null,
    message: `Header mismatch: ${header} header value ${quoted(headerValue)} on a JSON-RPC batch; ${FIRST_MODERN_VERSION} requests are sent one per POST, and the header cannot describe several messages`,
  }
}
