// Which scopes a login asks for: the person's --scope, else what the specification selects, and
// on a step-up the union with what was asked for before.
import type { Discovery } from './discovery.js'
import type { AuthChallenge } from './probe.js'

/**
 * MCP 2025-11-25 §Scope Selection Strategy: the challenge's scope, else everything the resource
 * lists, else nothing. `offline_access` is added only where the authorization server lists it
 * (draft §Refresh Tokens), because some servers issue refresh tokens only then.
 */
export function chooseScope(
  override: string | undefined,
  challenge: AuthChallenge,
  discovery: Discovery,
  options: { offlineAccess?: boolean } = {},
): string | undefined {
  if (override) return override
  const scopes = new Set(
    (challenge.scope ?? discovery.resourceMetadata?.scopes_supported?.join(' ') ?? '')
      .split(' ')
      .filter(Boolean),
  )
  const asScopes = discovery.authorizationServerMetadata?.scopes_supported ?? []
  if (options.offlineAccess !== false && scopes.size > 0 && asScopes.includes('offline_access'))
    scopes.add('offline_access')
  return scopes.size ? [...scopes].join(' ') : undefined
}

/** MCP §Step-Up Authorization Flow: what is held plus what the server now names. */
export function unionScopes(...lists: Array<string | undefined>): string | undefined {
  const all = new Set(lists.flatMap((list) => (list ?? '').split(' ')).filter(Boolean))
  return all.size ? [...all].join(' ') : undefined
}
