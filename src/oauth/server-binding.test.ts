// Credentials are bound to the authorization server that issued them (MCP 2026-07-28
// client-registration.mdx §Authorization Server Binding): when the resource names another one,
// a client the bridge registered is dropped so a new one is registered there, and a client the
// person registered by hand stops the login instead of being presented to the new server.
import { describe, expect, it } from 'vitest'
import { BridgeError } from '../errors.js'
import type { ServerSecrets, TokenStore } from '../tokens/store.js'
import type { Discovery } from './discovery.js'
import { dropUnusableClient, refuseClientOfAnotherServer } from './client-choice.js'

const OLD_AS = 'https://as1.example.com'
const NEW_AS = 'https://as2.example.com'
const REDIRECT = 'http://127.0.0.1:5555/callback'

function memoryStore(
  initial: ServerSecrets,
): TokenStore & { current(): ServerSecrets | undefined } {
  let secrets: ServerSecrets | undefined = initial
  return {
    get: async () => secrets,
    all: async (): Promise<Record<string, ServerSecrets>> => (secrets ? { conf: secrets } : {}),
    update: async (_name, change) => (secrets = change(secrets ?? {})),
    exclusive: (_name, work) => work(),
    bridgeAccessToken: async () => 'mob_test',
    current: () => secrets,
  }
}

const discoveryAt = (issuer: string): Discovery => ({
  legacy: false,
  authorizationServerUrl: issuer,
})

describe('credentials keyed by authorization server', () => {
  it('a registered client of the previous authorization server is dropped, so the login registers again', async () => {
    const store = memoryStore({
      clientSource: 'dynamic',
      client: {
        client_id: 'as1-client',
        client_secret: 's',
        redirect_uris: [REDIRECT],
        issuer: OLD_AS,
      } as NonNullable<ServerSecrets['client']>,
    })
    await dropUnusableClient(store, 'conf', discoveryAt(NEW_AS), { redirectUri: REDIRECT })
    expect(store.current()?.client).toBeUndefined()
  })

  it('the same authorization server keeps its registered client', async () => {
    const store = memoryStore({
      clientSource: 'dynamic',
      client: { client_id: 'as1-client', redirect_uris: [REDIRECT], issuer: OLD_AS } as NonNullable<
        ServerSecrets['client']
      >,
    })
    await dropUnusableClient(store, 'conf', discoveryAt(OLD_AS), { redirectUri: REDIRECT })
    expect(store.current()?.client?.client_id).toBe('as1-client')
  })

  it('a client registered by hand with another authorization server: the login stops before anything is sent', () => {
    const secrets: ServerSecrets = {
      clientSource: 'pre-registered',
      client: { client_id: 'by-hand', client_secret: 'secret', issuer: OLD_AS },
    }
    let error: unknown
    try {
      refuseClientOfAnotherServer(secrets, discoveryAt(NEW_AS), 'conf')
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(BridgeError)
    expect((error as BridgeError).code).toBe('REGISTRATION_REQUIRED')
    expect((error as BridgeError).message).toContain(
      `registered with the authorization server "${OLD_AS}", but the server now names "${NEW_AS}"`,
    )
  })

  it('a client registered by hand and never used yet, or used with this server, goes ahead', () => {
    expect(() =>
      refuseClientOfAnotherServer(
        { clientSource: 'pre-registered', client: { client_id: 'by-hand' } },
        discoveryAt(NEW_AS),
        'conf',
      ),
    ).not.toThrow()
    expect(() =>
      refuseClientOfAnotherServer(
        { clientSource: 'pre-registered', client: { client_id: 'by-hand', issuer: NEW_AS } },
        discoveryAt(NEW_AS),
        'conf',
      ),
    ).not.toThrow()
  })
})
