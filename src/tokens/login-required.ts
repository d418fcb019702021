// The error every caller shows when only a new login can help: a refused refresh, no token yet.
import { BridgeError, quote } from '../errors.js'
import { commandLine, loginHint } from '../cli/commands-named.js'

/** `keptClientId`: the refused client was given with --client-id, so a login alone may not help. */
export function loginRequired(name: string, reason: string, keptClientId?: string): BridgeError {
  return new BridgeError('LOGIN_REQUIRED', `${quote(name)} needs a new login: ${reason}.`, {
    hint: keptClientId
      ? `The client ${quote(keptClientId)} was given with --client-id, so the bridge keeps it: check in the provider's settings that it still exists (and its secret), then run \`${commandLine.login(name)}\`. ` +
        `If it was deleted, register a new one, then \`${commandLine.remove(name)}\` and \`${commandLine.add()}\` it again with the new --client-id.`
      : loginHint(name),
  })
}
