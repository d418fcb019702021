// A short fingerprint of the configuration a running bridge serves with, reported by /health.
// Commands and tests that change config.json can then see when the bridge has picked the change
// up (it reloads on a file event, a few milliseconds later) instead of guessing with a delay.
import { createHash } from 'node:crypto'
import { canonicalJson } from '../canonical-json.js'
import type { BridgeConfig } from '../config/schema.js'

export function configStamp(config: BridgeConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16)
}
