// What starting a bridge takes, and the state its two halves share: listen.ts opens the port with
// the little the first line needs, and wiring.ts, loaded right after, builds everything else.
import type { BridgePaths } from '../config/paths.js'
import type { BridgeConfig } from '../config/schema.js'
import type { FlowIo } from '../oauth/login-terms.js'
import type { DecisionRecord } from '../approvals/gate.js'
import type { RequestLogEntry } from './log-entry.js'

export interface StartOptions {
  paths: BridgePaths
  port: number
  host: string
  flowIo: FlowIo
  /** Require the bridge access token from clients (the default; --no-auth turns it off). */
  requireAccessToken: boolean
  verbose?: boolean
  log: (entry: RequestLogEntry) => void
  onConfigError: (error: unknown) => void
  onConfigReload?: () => void
  onDecision?: (record: DecisionRecord) => void
  /**
   * Names this bridge in the runtime file so other commands find it (`start`, `demo`); left off
   * for a private bridge such as `stdio --standalone`'s, which must not hide the shared one.
   */
  announce?: boolean
}

/** Changed by config reloads and by the bridge's own config writes; read by both halves. */
export interface LiveState {
  config: BridgeConfig
  /** The static bridge access token, when access control is on. */
  bridgeToken: string | undefined
  /** The Host values the guard accepts (they name the port, known once listening). */
  authorities: Set<string>
  /** Where people reach the bridge, http://localhost:<port>, once listening. */
  pageOrigin: string
}
