// Token revocation (RFC 7009) at logout: where the server offers it, so a token we forget is
// also dead on the server. Failure to revoke never blocks forgetting.
import { applyClientAuthentication } from './client-auth.js'
import type { FetchLike } from './http.js'
import { parseSafeUrl } from './safe-url.js'
import type { ServerSecrets } from '../tokens/store.js'

export type RevocationResult =
  { kind: 'revoked'; count: number } | { kind: 'unsupported' } | { kind: 'failed'; reason: string }

export async function revokeTokens(
  secrets: ServerSecrets,
  fetchFn: FetchLike,
): Promise<RevocationResult> {
  const endpoint = (
    secrets.discovery?.authorizationServerMetadata as { revocation_endpoint?: string } | undefined
  )?.revocation_endpoint
  const tokens = secrets.tokens
  if (!endpoint || !tokens || !secrets.client) return { kind: 'unsupported' }
  parseSafeUrl(endpoint, 'revocation_endpoint')
  // The refresh token first: revoking it usually takes its access tokens with it (RFC 7009 §2.1).
  const targets: Array<[string, string]> = []
  if (tokens.refresh_token) targets.push([tokens.refresh_token, 'refresh_token'])
  targets.push([tokens.access_token, 'access_token'])
  let count = 0
  for (const [token, hint] of targets) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
    const params = new URLSearchParams({ token, token_type_hint: hint })
    applyClientAuthentication(
      secrets.client,
      secrets.discovery?.authorizationServerMetadata,
      headers,
      params,
    )
    try {
      const response = await fetchFn(endpoint, { method: 'POST', headers, body: params.toString() })
      if (!response.ok)
        return { kind: 'failed', reason: `${endpoint} answered HTTP ${response.status}` }
      count += 1
    } catch (error) {
      return { kind: 'failed', reason: (error as Error).message }
    }
  }
  return { kind: 'revoked', count }
}
