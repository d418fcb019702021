// Grants seen per client, as the dashboard and the `clients` command show them.
import type { Grant } from './state.js'

export interface ConnectedClient {
  clientId: string
  clientName: string
  source: Grant['source']
  /** Server names, or ['*'] when the client may use all servers. */
  servers: string[]
  lastUsedAt?: number
  since: number
}

export function groupByClient(grants: Grant[]): ConnectedClient[] {
  const clients = new Map<string, ConnectedClient>()
  for (const grant of grants) {
    const known = clients.get(grant.clientId)
    if (!known) {
      clients.set(grant.clientId, {
        clientId: grant.clientId,
        clientName: grant.clientName,
        source: grant.source,
        servers: [grant.resource],
        ...(grant.lastUsedAt !== undefined ? { lastUsedAt: grant.lastUsedAt } : {}),
        since: grant.createdAt,
      })
      continue
    }
    if (!known.servers.includes(grant.resource)) known.servers.push(grant.resource)
    if (grant.lastUsedAt !== undefined && grant.lastUsedAt > (known.lastUsedAt ?? 0))
      known.lastUsedAt = grant.lastUsedAt
    known.since = Math.min(known.since, grant.createdAt)
  }
  for (const client of clients.values())
    client.servers = client.servers.includes('*') ? ['*'] : client.servers.sort()
  return [...clients.values()].sort((a, b) => (b.lastUsedAt ?? b.since) - (a.lastUsedAt ?? a.since))
}

/** "all servers", or the names. */
export function describeReach(servers: string[]): string {
  return servers.includes('*') ? 'all servers' : servers.join(', ')
}
