// Rules are kept in plain objects keyed by names that come from outside: a server name from a
// URL or a form, a tool name from a person or from an upstream's tools/list. Read with
// `record[name]`, the name "constructor" finds Object's constructor and "__proto__" finds
// Object.prototype, whose properties a later write would then change for every object. So a
// name only ever finds the record's own entries. The two guards cover two operations: records
// parsed from config.json have no prototype (config/schema.ts), so a write under such a name
// stays an entry; reads go through here, because records are also built in code with `{}`.

/** `record[key]` when the record holds it as its own entry, else undefined. */
export function ownEntry<T>(
  record: Readonly<Record<string, T>> | undefined,
  key: string,
): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined
}
