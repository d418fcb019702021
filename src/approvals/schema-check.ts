// Checks arguments a person edited on the approvals page (or with `approvals approve --args`)
// against the tool's input schema, so a typo is caught before the call runs, with each error
// named by its JSON path. The schema comes from the upstream server, so it is treated as
// untrusted input: size and depth are capped before ajv compiles it (ajv's security notes), and
// a schema ajv cannot compile is reported rather than trusted. ajv loads on first use: start-up
// does not need it.
import type { ErrorObject, ValidateFunction } from 'ajv'

export interface ArgumentError {
  /** Where in the arguments, as a JSON path: `$`, `$.city`, `$.rooms[0].beds`. */
  path: string
  message: string
}

export type ArgumentCheck =
  { ok: true; schema: SchemaUse } | { ok: false; schema: SchemaUse; errors: ArgumentError[] }

/**
 * How the schema was used: `checked` against it; `unknown` when the bridge has not seen the
 * tool's definition; `unusable` when the schema could not be compiled. The last two check only
 * that the arguments are a JSON object.
 */
export type SchemaUse = 'checked' | 'unknown' | 'unusable'

/** Larger or deeper schemas are not compiled: compiling is recursive and its cost grows with them. */
const MAX_SCHEMA_CHARS = 256 * 1024
const MAX_SCHEMA_DEPTH = 64
/** More errors than this are not useful to a person fixing a form; the first ones are shown. */
const MAX_ERRORS = 20
const MAX_VALUE_CHARS = 60

type Compiled = { validate: ValidateFunction } | { unusable: string }
const compiledBySchema = new WeakMap<object, Compiled>()

export async function checkEditedArguments(
  args: unknown,
  inputSchema: unknown,
): Promise<ArgumentCheck> {
  const known = typeof inputSchema === 'object' && inputSchema !== null
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    const got = Array.isArray(args) ? 'an array' : args === null ? 'null' : `a ${typeof args}`
    return {
      ok: false,
      schema: known ? 'checked' : 'unknown',
      errors: [{ path: '$', message: `must be a JSON object (the tool's arguments), not ${got}` }],
    }
  }
  if (!known) return { ok: true, schema: 'unknown' }
  const compiled = await compile(inputSchema)
  if ('unusable' in compiled) return { ok: true, schema: 'unusable' }
  if (compiled.validate(args)) return { ok: true, schema: 'checked' }
  return {
    ok: false,
    schema: 'checked',
    errors: describeErrors(compiled.validate.errors ?? [], args),
  }
}

/** One line for a person or a terminal: each error with its path. */
export function errorsText(errors: ArgumentError[]): string {
  return errors.map((error) => `${error.path}: ${error.message}`).join('; ')
}

async function compile(schema: object): Promise<Compiled> {
  const cached = compiledBySchema.get(schema)
  if (cached) return cached
  const compiled = await compileUncached(schema)
  compiledBySchema.set(schema, compiled)
  return compiled
}

async function compileUncached(schema: object): Promise<Compiled> {
  let text: string | undefined
  try {
    text = JSON.stringify(schema)
  } catch {
    text = undefined
  }
  if (text === undefined || text.length > MAX_SCHEMA_CHARS)
    return { unusable: 'the schema is too large' }
  if (depthOf(schema) > MAX_SCHEMA_DEPTH) return { unusable: 'the schema is nested too deeply' }
  try {
    const ajv = await validatorFor(schema)
    return { validate: ajv.compile(schema) }
  } catch (error) {
    return { unusable: (error as Error).message }
  }
}

/**
 * A fresh ajv per schema: two tools may use the same `$id`, which one shared instance refuses.
 * The dialect follows `$schema`; without one, 2020-12, the default MCP names for tool schemas.
 * `strict: false` because tool schemas carry keywords of their own (`x-mcp-header`), and
 * `validateSchema: false` so a schema naming a draft ajv has no meta-schema for still compiles.
 */
async function validatorFor(
  schema: object,
): Promise<{ compile: (schema: object) => ValidateFunction }> {
  const dialect = String((schema as { $schema?: unknown }).$schema ?? '')
  const options = { allErrors: true, strict: false, validateSchema: false, messages: true }
  const ajv = /draft-0[67]/.test(dialect)
    ? new (await import('ajv')).Ajv(options)
    : /2019-09/.test(dialect)
      ? new (await import('ajv/dist/2019.js')).Ajv2019(options)
      : new (await import('ajv/dist/2020.js')).Ajv2020(options)
  const formats = await import('ajv-formats')
  formats.default.default(ajv)
  return ajv
}

function depthOf(root: object): number {
  let deepest = 0
  const stack: Array<[unknown, number]> = [[root, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number]
    if (typeof node !== 'object' || node === null) continue
    if (depth > deepest) deepest = depth
    if (deepest > MAX_SCHEMA_DEPTH) return deepest
    for (const child of Object.values(node)) stack.push([child, depth + 1])
  }
  return deepest
}

function describeErrors(errors: ErrorObject[], args: unknown): ArgumentError[] {
  const seen = new Set<string>()
  const described: ArgumentError[] = []
  for (const error of errors) {
    const one = describeError(error, args)
    const key = `${one.path}\n${one.message}`
    if (seen.has(key)) continue
    seen.add(key)
    described.push(one)
    if (described.length === MAX_ERRORS) break
  }
  return described
}

/** ajv's error, with the path pointing at the property itself where ajv names its parent. */
function describeError(error: ErrorObject, args: unknown): ArgumentError {
  const segments = pointerSegments(error.instancePath)
  const pathOf = (path: string[]) => jsonPathIn(args, path)
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return { path: pathOf([...segments, String(params.missingProperty)]), message: 'is required' }
    case 'additionalProperties':
      return {
        path: pathOf([...segments, String(params.additionalProperty)]),
        message: 'is not a property the tool accepts',
      }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : []
      return {
        path: pathOf(segments),
        message: `must be one of ${allowed.slice(0, 10).map(shortValue).join(', ')}${allowed.length > 10 ? ', …' : ''}`,
      }
    }
    case 'const':
      return { path: pathOf(segments), message: `must be ${shortValue(params.allowedValue)}` }
    default:
      return {
        path: pathOf(segments),
        message: error.message ?? `fails the schema's ${error.keyword} rule`,
      }
  }
}

/** RFC 6901: `/rooms/0/beds` → ['rooms', '0', 'beds']. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** A path of property names and array indexes: `$.city`, `$.rooms[0]`, `$["two words"]`. */
export function jsonPath(segments: Array<string | number>): string {
  return `$${segments.map((segment) => (typeof segment === 'number' ? `[${segment}]` : IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`)).join('')}`
}

/** A JSON Pointer's segments as a path: a segment is an index where the value there is an array (a pointer cannot tell). */
function jsonPathIn(root: unknown, segments: string[]): string {
  const typed: Array<string | number> = []
  let node = root
  for (const segment of segments) {
    const isIndex = Array.isArray(node) && /^(?:0|[1-9]\d*)$/.test(segment)
    typed.push(isIndex ? Number(segment) : segment)
    node =
      typeof node === 'object' && node !== null
        ? (node as Record<string, unknown>)[segment]
        : undefined
  }
  return jsonPath(typed)
}

function shortValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text
}
