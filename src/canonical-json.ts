// JSON with object keys sorted, so equal values always give the same text and the same hash: key
// order does not change what a call or a tool does, so it must not change a fingerprint, an
// approval or a digest either. A leaf: it imports nothing, so any folder may use it.

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      )
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
