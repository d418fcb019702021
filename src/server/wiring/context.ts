// What every part of the wiring reads: the start options, the live state listen.ts shares and the
// token store.
import type { ServerEntry } from '../../config/schema.js'
import { BridgeError } from '../../errors.js'
import type { EncryptedFileTokenStore } from '../../tokens/encrypted-file-store.js'
import type { LiveState, StartOptions } from '../start-options.js'

export interface WiringContext {
  options: StartOptions
  live: LiveState
  store: EncryptedFileTokenStore
}

export function unknownServer(name: string): BridgeError {
  return new BridgeError('SERVER_UNKNOWN', `No server named ${JSON.stringify(name)}.`)
}

/** The server's entry in the live config, read when asked for (a reload may have changed it). */
export function liveEntry(live: LiveState, name: string): ServerEntry {
  const entry = live.config.servers[name]
  if (!entry) throw unknownServer(name)
  return entry
}
