#!/usr/bin/env node
// A stand-in for a web browser, for the conformance harness.
//
// Used as the `BROWSER` program (argv: the authorization URL) and, in-process, by
// sdk-client.mjs. It GETs the authorization URL and follows redirects by hand until it
// reaches the loopback callback (`http://127.0.0.1:*/…callback` or `http://localhost:*/…`
// carrying `code`/`error`), GETs that once and stops. The conformance mock authorization
// server redirects from its authorize endpoint at once (no login page), so no HTML is read.
//
// Safety: only http(s); at most MAX_HOPS redirects; a redirect may go only to a loopback host
// or to the first URL's own host. Exit status: 0 when the callback was delivered (whatever
// status the callback answered), 1 otherwise. Logs go to stderr and, when
// CONFORMANCE_BROWSER_LOG names a file, are appended there too.

import { appendFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const MAX_HOPS = 10
const REQUEST_TIMEOUT_MS = 10_000

/** @param {string} hostname as in URL.hostname (IPv6 in brackets) */
export function isLoopbackHost(hostname) {
  const h = hostname.toLowerCase()
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  )
}

/** The loopback redirect target the authorization server sends the browser back to. */
export function isCallbackUrl(url) {
  if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) return false
  return (
    /\/callback\/?$/.test(url.pathname) ||
    url.searchParams.has('code') ||
    url.searchParams.has('error')
  )
}

function logTo(logFile) {
  return (msg) => {
    const line = `[browser] ${msg}`
    process.stderr.write(line + '\n')
    if (logFile) {
      try {
        appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`)
      } catch {
        // logging must never break the flow
      }
    }
  }
}

function redactQuery(url) {
  const u = new URL(url)
  for (const key of ['code', 'code_challenge', 'state']) {
    if (u.searchParams.has(key)) u.searchParams.set(key, 'redacted')
  }
  return u.toString()
}

/**
 * Visit an authorization URL like a browser whose user approves at once.
 * @param {string} authorizationUrl
 * @param {{ log?: (msg: string) => void, fetchFn?: typeof fetch }} [opts]
 * @returns {Promise<{ callbackUrl: URL, status: number }>} the callback URL reached and what it answered
 */
export async function visitAuthorizationUrl(authorizationUrl, opts = {}) {
  const log = opts.log ?? logTo(process.env.CONFORMANCE_BROWSER_LOG)
  const fetchFn = opts.fetchFn ?? fetch
  const first = new URL(authorizationUrl)
  if (first.protocol !== 'https:' && first.protocol !== 'http:') {
    throw new Error(`refusing to open a ${first.protocol} URL`)
  }
  let current = first
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    const isCallback = hop > 0 && isCallbackUrl(current)
    log(`GET ${redactQuery(current)}${isCallback ? ' (callback)' : ''}`)
    const res = await fetchFn(current, {
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    if (isCallback) {
      const body = await res.text().catch(() => '')
      log(
        `callback answered ${res.status}${body ? `: ${body.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`,
      )
      return { callbackUrl: current, status: res.status }
    }
    const location = res.headers.get('location')
    if (res.status < 300 || res.status >= 400 || !location) {
      const body = await res.text().catch(() => '')
      throw new Error(
        `expected a redirect from ${current.origin}${current.pathname}, got ${res.status}: ${body.slice(0, 300)}`,
      )
    }
    await res.body?.cancel().catch(() => {})
    const next = new URL(location, current)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new Error(`refusing to follow a redirect to a ${next.protocol} URL`)
    }
    if (!isLoopbackHost(next.hostname) && next.hostname !== first.hostname) {
      throw new Error(`refusing to follow a redirect to a non-loopback host: ${next.host}`)
    }
    current = next
  }
  throw new Error(`no callback reached after ${MAX_HOPS} redirects`)
}

async function main() {
  const log = logTo(process.env.CONFORMANCE_BROWSER_LOG)
  const url = process.argv[2]
  if (!url || process.argv.length > 3) {
    log(`usage: browser.mjs <authorization-url> (got ${process.argv.length - 2} arguments)`)
    process.exit(1)
  }
  try {
    await visitAuthorizationUrl(url, { log })
    process.exit(0)
  } catch (err) {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
