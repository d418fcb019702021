// A login started from the dashboard's button rather than by a request's 401.
import { BridgeError } from '../../errors.js'
import type { LoginCoordinator } from '../../login/coordinator.js'
import type { FlowIo } from '../../oauth/login-terms.js'
import type { TokenManager } from '../../tokens/manager.js'
import type { LastError } from '../pages/dashboard.js'
import { unknownServer, type WiringContext } from './context.js'

export interface ReauthorizeParts {
  logins: LoginCoordinator
  tokens: TokenManager
  lastErrors: Map<string, LastError>
}

/** A dashboard login: the browser that pressed the button is sent to the authorization URL. */
export function createReauthorize(
  context: WiringContext,
  parts: ReauthorizeParts,
): (name: string) => Promise<string> {
  const { options, live, store } = context
  const { logins, tokens, lastErrors } = parts
  return (name) =>
    new Promise<string>((resolveUrl, reject) => {
      const entry = live.config.servers[name]
      if (!entry) return reject(unknownServer(name))
      const io: FlowIo = {
        progress: (line) => options.flowIo.progress(`${name}: ${line}`),
        openBrowser: async (url) => resolveUrl(url),
        browser: 'open',
        // Started from the dashboard: the provider's return page links back to it.
        returnTo: `${live.pageOrigin}/`,
      }
      // This browser must be sent to the authorization URL, which a login under way has shown elsewhere.
      if (logins.isRunning(name))
        return reject(
          new BridgeError(
            'LOGIN_REQUIRED',
            `A login for ${JSON.stringify(name)} is already under way; finish it in the window it opened.`,
          ),
        )
      logins
        .logIn({ name, entry, store, io })
        .then((result) => {
          tokens.forget(name)
          lastErrors.delete(name)
          const open = result.kind === 'open'
          options.flowIo.progress(
            open ? `${name}: answers without authorization.` : `${name}: logged in again.`,
          )
          if (open)
            reject(
              new BridgeError(
                'BAD_USAGE',
                `${name} answers without authorization: nothing to log in to.`,
              ),
            )
        })
        .catch((error: Error) => {
          lastErrors.set(name, { message: error.message, at: Date.now() })
          reject(error)
        })
    })
}
