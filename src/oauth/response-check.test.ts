// RFC 9207 as MCP 2026-07-28 requires it (authorization/index.mdx §Authorization Response
// Validation): the table of advertised support × `iss` present, plain string comparison, and no
// word of a mismatched response's error reaching the person.
import { describe, expect, it } from 'vitest'
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/client'
import { BridgeError } from '../errors.js'
import { checkResponseOrigin } from './authorization-response.js'

const ISSUER = 'https://as.example.com/tenant'
const STATE = 'state-123'

function metadata(issSupported: boolean | undefined): AuthorizationServerMetadata {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    ...(issSupported === undefined
      ? {}
      : { authorization_response_iss_parameter_supported: issSupported }),
  } as AuthorizationServerMetadata
}

function verdict(query: Record<string, string>, issSupported: boolean | undefined): string {
  try {
    checkResponseOrigin(
      new URLSearchParams({ state: STATE, code: 'c', ...query }),
      STATE,
      metadata(issSupported),
    )
    return 'proceed'
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError)
    return (error as BridgeError).message
  }
}

describe('the iss authorization response parameter', () => {
  it('advertised and present: compared; advertised and absent: refused', () => {
    expect(verdict({ iss: ISSUER }, true)).toBe('proceed')
    expect(verdict({ iss: 'https://evil.example.com/tenant' }, true)).toMatch(
      /names issuer "https:\/\/evil.example.com\/tenant" but this login went to/,
    )
    expect(verdict({}, true)).toMatch(/names issuer "\(none\)"/)
  })

  it('not advertised (false or absent): compared when present, otherwise the login proceeds', () => {
    for (const advertised of [false, undefined]) {
      expect(verdict({}, advertised)).toBe('proceed')
      expect(verdict({ iss: ISSUER }, advertised)).toBe('proceed')
      expect(verdict({ iss: 'https://other.example.com' }, advertised)).toMatch(/possible mix-up/)
    }
  })

  it('no normalisation: a slash, another case or an explicit default port is another issuer', () => {
    for (const iss of [
      `${ISSUER}/`,
      'https://AS.example.com/tenant',
      'https://as.example.com:443/tenant',
      'https://as.example.com/%74enant',
    ]) {
      expect(verdict({ iss }, true)).toMatch(/possible mix-up/)
    }
  })

  it('a mismatched response with an error: refused for the issuer, its error text never shown', () => {
    const message = verdict(
      {
        iss: 'https://evil.example.com',
        error: 'access_denied',
        error_description: 'Click here to re-enter your password',
      },
      true,
    )
    expect(message).toMatch(/possible mix-up/)
    expect(message).not.toContain('access_denied')
    expect(message).not.toContain('password')
  })

  it('state is checked first', () => {
    expect(() =>
      checkResponseOrigin(
        new URLSearchParams({ state: 'other', iss: ISSUER }),
        STATE,
        metadata(true),
      ),
    ).toThrow(/state that does not match/)
  })
})
