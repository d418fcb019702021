// Opens a URL in the user's browser without a shell in between: the BROWSER program when set
// (run with the URL as its single argument), else the platform's opener via the `open` package.
import { spawn } from 'node:child_process'
import { parseSafeUrl } from './safe-url.js'

export type OpenBrowser = (url: string) => Promise<void>

export function createBrowserOpener(env: NodeJS.ProcessEnv = process.env): OpenBrowser {
  return async (url) => {
    parseSafeUrl(url, 'URL to open in the browser')
    const program = env.BROWSER?.trim()
    if (program) {
      await spawnDetached(program, [url], env)
      return
    }
    // Loaded on use: the opener and its helpers are a dozen modules most runs never need.
    const { default: open } = await import('open')
    const child = await open(url, { wait: false })
    child.on('error', () => undefined)
    child.unref()
  }
}

function spawnDetached(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
      shell: false,
    })
    child.once('error', reject)
    child.once('spawn', () => {
      child.unref()
      resolve()
    })
  })
}
