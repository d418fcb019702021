// The path of a request's target, as the guard and the router both read it: they must agree on
// which route a path is. Most targets are plain (`/mcp/<name>`), and those are read without
// building a URL, which the guard and the router had each done on every request.

/** A path the fast reading gives exactly as URL would: letters, digits, `_`, `-` and single slashes. */
const PLAIN_PATH = /^(?:\/[\w-]+)*\/?$/

/** The path without its query; a target URL cannot read counts as `/mcp`, an MCP request refused there. */
export function requestPath(url: string | undefined): string {
  const query = url === undefined ? -1 : url.search(/[?#]/)
  const path = url === undefined ? '/' : query === -1 ? url : url.slice(0, query)
  if (PLAIN_PATH.test(path)) return path
  try {
    return new URL(url ?? '/', 'http://bridge').pathname
  } catch {
    return '/mcp'
  }
}
