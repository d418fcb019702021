// One login per server at a time in this process: whoever asks for a server's login while one
// runs shares that login's outcome instead of opening a second browser tab and a second listener
// on the same callback port. `add`, `login`, the running bridge and its dashboard all go through one.
import type { LoginOptions, LoginResult } from './login-server.js'

export class LoginCoordinator {
  readonly #running = new Map<string, Promise<unknown>>()

  /**
   * Runs `login` for `name`, or hands back the one under way. The caller's own `login` is then not
   * run: a server has one kind of login work per process (the bridge's re-login, or a command's).
   */
  run<T>(name: string, login: () => Promise<T>): Promise<T> {
    const running = this.#running.get(name)
    if (running) return running as Promise<T>
    const started = login().finally(() => this.#running.delete(name))
    this.#running.set(name, started)
    return started
  }

  /** Whether a login for `name` is under way: a caller that must see the browser step cannot join it. */
  isRunning(name: string): boolean {
    return this.#running.has(name)
  }

  /** The login of a configured server (login-server.ts), loaded on first use like the SDK it drives. */
  logIn(options: LoginOptions): Promise<LoginResult> {
    return this.run(options.name, async () =>
      (await import('./login-server.js')).loginServer(options),
    )
  }
}
