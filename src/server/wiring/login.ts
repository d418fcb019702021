// The login a request waits for: an upstream answered 401 and the person logs in in a browser
// while the client's request is held.
import type { ServerEntry } from '../../config/schema.js'
import { updateConfig } from '../../config/store.js'
import { BridgeError } from '../../errors.js'
import { loginHint } from '../../cli/commands-named.js'
import type { LoginCoordinator } from '../../login/coordinator.js'
import type { AuthChallenge } from '../../oauth/probe.js'
import type { TokenManager } from '../../tokens/manager.js'
import { liveEntry, type WiringContext } from './context.js'

export type Authorize = (name: string, challenge: AuthChallenge) => Promise<void>

export function createAuthorize(
  context: WiringContext,
  logins: LoginCoordinator,
  tokens: TokenManager,
): Authorize {
  const { options, live } = context
  const { paths } = options
  return (name, challenge) =>
    logins.run(name, async () => {
      const entry = liveEntry(live, name)
      options.flowIo.progress(
        `${name}: the server asks for authorization${challenge.scope ? ` (scope "${challenge.scope}")` : ''}; starting a login…`,
      )
      try {
        await logInFor401(context, name, entry, challenge)
      } catch (error) {
        throw loginFailed(name, challenge, error)
      }
      tokens.forget(name)
      if (entry.auth === 'none') {
        live.config = await updateConfig(paths, (current) => {
          const saved = current.servers[name]
          if (saved) saved.auth = 'oauth'
        })
      }
      options.flowIo.progress(`${name}: logged in.`)
    })
}

async function logInFor401(
  { options, live, store }: WiringContext,
  name: string,
  entry: ServerEntry,
  challenge: AuthChallenge,
): Promise<void> {
  const { loginServer } = await import('../../login/login-server.js')
  const result = await loginServer({ name, entry, store, io: options.flowIo, challenge })
  if (result.kind === 'authorized' && result.callbackPort && entry.callbackPort === undefined) {
    const callbackPort = result.callbackPort
    live.config = await updateConfig(options.paths, (current) => {
      const saved = current.servers[name]
      if (saved && saved.callbackPort === undefined) saved.callbackPort = callbackPort
    })
  }
}

// The client sees this as the answer to its request: say what was asked and what to do.
function loginFailed(name: string, challenge: AuthChallenge, error: unknown): BridgeError {
  const detail =
    error instanceof BridgeError
      ? `${error.message}${error.hint ? ` ${error.hint}` : ''}`
      : (error as Error).message
  return new BridgeError(
    'LOGIN_REQUIRED',
    `${JSON.stringify(name)} asked for a new login${challenge.scope ? ` with scope "${challenge.scope}"` : ''}, and it failed: ${detail}`,
    {
      hint: loginHint(name, challenge.scope),
      cause: error,
    },
  )
}
