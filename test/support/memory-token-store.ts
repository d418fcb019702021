// A TokenStore held in memory for one server, for unit tests of the OAuth steps that read and
// save secrets: no file, no lock beyond running the work, and `current()` to see what was saved.
import type { ServerSecrets, TokenStore } from '../../src/tokens/store.js'

export function memoryTokenStore(
  initial: ServerSecrets = {},
): TokenStore & { current(): ServerSecrets | undefined } {
  let secrets: ServerSecrets | undefined = initial
  return {
    get: async () => secrets,
    all: async (): Promise<Record<string, ServerSecrets>> => (secrets ? { server: secrets } : {}),
    update: async (_name, change) => (secrets = change(secrets ?? {})),
    exclusive: (_name, work) => work(),
    bridgeAccessToken: async () => 'mob_test',
    current: () => secrets,
  }
}
