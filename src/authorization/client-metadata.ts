// What the bridge keeps about an MCP client, from its registration (RFC 7591) or its client ID
// metadata document: the name to show people, and where codes may be sent. The name is the
// client's own claim; the consent page says where it came from so a person can judge it.
import { RedirectUriError, checkRedirectUris } from './redirect-uris.js'

export interface ClientRecord {
  clientId: string
  clientName: string
  redirectUris: string[]
  /** `registered`: dynamic registration here; `metadata-document`: client_id is the document's URL. */
  source: 'registered' | 'metadata-document'
  clientUri?: string
  applicationType?: string
  registeredAt: number
}

/** A refusal in RFC 7591 §3.2.2 terms: `invalid_redirect_uri` or `invalid_client_metadata`. */
export class ClientMetadataError extends Error {
  readonly code: 'invalid_redirect_uri' | 'invalid_client_metadata'
  constructor(code: 'invalid_redirect_uri' | 'invalid_client_metadata', message: string) {
    super(message)
    this.code = code
  }
}

const MAX_NAME = 100

export function readClientMetadata(
  value: unknown,
  clientId: string,
  source: ClientRecord['source'],
): ClientRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ClientMetadataError(
      'invalid_client_metadata',
      'The client metadata must be a JSON object.',
    )
  }
  const metadata = value as Record<string, unknown>
  let redirectUris: string[]
  try {
    redirectUris = checkRedirectUris(metadata.redirect_uris)
  } catch (error) {
    if (error instanceof RedirectUriError)
      throw new ClientMetadataError('invalid_redirect_uri', error.message)
    throw error
  }
  // The bridge issues codes only, to public clients (PKCE stands in for a secret on a laptop).
  const grantTypes = metadata.grant_types
  if (
    grantTypes !== undefined &&
    (!Array.isArray(grantTypes) || !grantTypes.includes('authorization_code'))
  ) {
    throw new ClientMetadataError(
      'invalid_client_metadata',
      'grant_types must include "authorization_code"; this bridge issues no other kind of grant.',
    )
  }
  const name = typeof metadata.client_name === 'string' ? cleanName(metadata.client_name) : ''
  if (source === 'metadata-document' && !name) {
    throw new ClientMetadataError(
      'invalid_client_metadata',
      'The client ID metadata document must name the client (client_name).',
    )
  }
  return {
    clientId,
    clientName: name || 'an unnamed client',
    redirectUris,
    source,
    ...(typeof metadata.client_uri === 'string' && metadata.client_uri.startsWith('https://')
      ? { clientUri: metadata.client_uri.slice(0, 500) }
      : {}),
    ...(typeof metadata.application_type === 'string'
      ? { applicationType: metadata.application_type.slice(0, 20) }
      : {}),
    registeredAt: Date.now(),
  }
}

/** Control characters and runs of spaces would let a name pose as page text; keep it one short line. */
function cleanName(name: string): string {
  return name
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_NAME)
}
