// Every failure of `add` names the step, the URL, what the server said, and what to do next,
// with exit status 1 (2 for bad usage), never a stack trace, and leaves nothing half-saved.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOAuthFixture, type OAuthFixture } from '../fixtures/oauth-mcp-server.js'
import {
  asMetadata,
  challenge,
  json,
  protectedResource,
  startScriptedServer,
  type Route,
  type ScriptedServer,
} from '../fixtures/scripted-server.js'
import { pickFreePort } from '../../src/oauth/loopback.js'
import { cliEnv, makeHome, runCli, type CliResult } from './cli-process.js'

async function addAgainst(
  routes: Record<string, Route>,
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<CliResult & { server: ScriptedServer; home: string }> {
  const server = await startScriptedServer({ 'POST /mcp': challenge(), ...routes })
  const home = await makeHome()
  try {
    const result = await runCli(
      ['add', 'broken', `${server.origin}/mcp`, ...extraArgs],
      cliEnv(home, extraEnv),
    )
    return { ...result, server, home }
  } finally {
    await server.close()
  }
}

function expectFriendlyFailure(result: CliResult, pattern: RegExp): void {
  expect(result.code).toBe(1)
  expect(result.stderr).toMatch(pattern)
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/) // no stack trace
  expect(result.stderr).not.toContain('Unexpected error')
}

describe('add: bad input and broken servers', () => {
  it('rejects a non-URL with usage status 2', async () => {
    const result = await runCli(['add', 'x', 'mcp.example.com'], cliEnv(await makeHome()))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/"mcp.example.com" is not a URL/)
  })

  it('rejects an invalid server name', async () => {
    const result = await runCli(
      ['add', '../etc', 'https://mcp.example.com'],
      cliEnv(await makeHome()),
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/not a valid server name/)
  })

  it('explains an unreachable host', async () => {
    const port = await pickFreePort() // free now, so nothing listens there
    const result = await runCli(
      ['add', 'x', `http://127.0.0.1:${port}/mcp`],
      cliEnv(await makeHome()),
    )
    expectFriendlyFailure(
      result,
      new RegExp(`Cannot reach http://127\\.0\\.0\\.1:${port}/mcp: the connection was refused`),
    )
  })

  it('explains HTML where metadata JSON was expected', async () => {
    const html: Route = (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Login</body></html>')
    const result = await addAgainst({ '/.well-known/oauth-protected-resource/mcp': html })
    expectFriendlyFailure(
      result,
      /protected resource metadata at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp: it is not JSON/,
    )
  })

  it('refuses oversize metadata', async () => {
    const huge: Route = (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`)
    const result = await addAgainst({ '/.well-known/oauth-protected-resource/mcp': huge })
    expectFriendlyFailure(result, /more than 1024 KiB; refused/)
  })

  it('refuses malformed metadata and names the field', async () => {
    const result = await addAgainst({
      '/.well-known/oauth-protected-resource/mcp': json(200, { authorization_servers: 'nope' }),
    })
    expectFriendlyFailure(
      result,
      /protected resource metadata .*: (resource|authorization_servers)/,
    )
  })

  it('refuses a resource_metadata URL on plain http to another host, before fetching it', async () => {
    const result = await addAgainst({
      'POST /mcp': (_req, res) =>
        res
          .writeHead(401, {
            'www-authenticate':
              'Bearer resource_metadata="http://metadata.example/.well-known/oauth-protected-resource/mcp"',
          })
          .end(),
    })
    expectFriendlyFailure(
      result,
      /resource_metadata URL in the server's WWW-Authenticate challenge "http:\/\/metadata\.example\/\.well-known\/oauth-protected-resource\/mcp" is neither https nor http on this machine/,
    )
    expect(result.stderr).toMatch(/must use https/)
    // Nothing but the probe reached the server, and no well-known fallback was tried either.
    expect(
      result.server.requests.filter((line) => line !== 'POST /mcp' && line !== 'GET /mcp'),
    ).toEqual([])
    expect(await readFile(join(result.home, 'config.json'), 'utf8')).not.toContain('broken')
  })

  it('refuses an authorization server without PKCE S256', async () => {
    const result = await addAgainst({
      '/.well-known/oauth-protected-resource/mcp': protectedResource(),
      '/.well-known/oauth-authorization-server': asMetadata({
        code_challenge_methods_supported: ['plain'],
      }),
    })
    expectFriendlyFailure(result, /does not advertise PKCE with S256 \(it lists plain\); refusing/)
  })

  it('refuses a non-https authorization endpoint', async () => {
    const result = await addAgainst({
      '/.well-known/oauth-protected-resource/mcp': protectedResource(),
      '/.well-known/oauth-authorization-server': asMetadata({
        authorization_endpoint: 'http://auth.example.com/authorize',
      }),
    })
    expectFriendlyFailure(
      result,
      /authorization_endpoint "http:\/\/auth\.example\.com\/authorize" is neither https/,
    )
  })

  it('refuses an authorization endpoint with shell characters', async () => {
    const result = await addAgainst({
      '/.well-known/oauth-protected-resource/mcp': protectedResource(),
      '/.well-known/oauth-authorization-server': asMetadata({
        authorization_endpoint: 'https://auth.example.com/a$(touch /tmp/pwned)',
      }),
    })
    expectFriendlyFailure(
      result,
      /authorization_endpoint .* contains characters a URL must not carry/,
    )
  })

  it('refuses metadata for another resource (RFC 9728 §3.3)', async () => {
    const evil: Route = (_req, res, origin) =>
      json(200, { resource: 'https://evil.example.com/mcp', authorization_servers: [origin] })(
        _req,
        res,
        origin,
      )
    const result = await addAgainst({ '/.well-known/oauth-protected-resource/mcp': evil })
    expectFriendlyFailure(
      result,
      /metadata for a different resource, "https:\/\/evil\.example\.com\/mcp"; refusing/,
    )
    expect(result.server.requests.some((line) => line.includes('authorize'))).toBe(false)
  })

  it('says exactly what to register when the server has no dynamic registration', async () => {
    const result = await addAgainst(
      {
        '/.well-known/oauth-protected-resource/mcp': protectedResource(),
        '/.well-known/oauth-authorization-server': asMetadata({ registration_endpoint: undefined }),
      },
      ['--callback-port', '49321'],
    )
    expectFriendlyFailure(result, /does not offer dynamic client registration/)
    expect(result.stderr).toContain('redirect URI http://127.0.0.1:49321/callback')
    expect(result.stderr).toMatch(
      /mcp-oauth-bridge add broken http:\/\/127\.0\.0\.1:\d+\/mcp --client-id <ID> \[--client-secret <SECRET>\] --callback-port 49321/,
    )
  })

  it('reports the registration error the server gave', async () => {
    const result = await addAgainst({
      '/.well-known/oauth-protected-resource/mcp': protectedResource(),
      '/.well-known/oauth-authorization-server': asMetadata(),
      'POST /register': json(400, {
        error: 'invalid_redirect_uri',
        error_description: 'Redirect URI is not in the allowlist',
      }),
    })
    expectFriendlyFailure(
      result,
      /registration step failed at http:\/\/127\.0\.0\.1:\d+\/register: the server said HTTP 400: "invalid_redirect_uri" \("Redirect URI is not in the allowlist"\)/,
    )
    expect(await readFile(join(result.home, 'config.json'), 'utf8')).not.toContain('broken')
  })

  /** An authorization server that registers the client, after which the browser never comes back. */
  const registersAClient = (): Record<string, Route> => ({
    '/.well-known/oauth-protected-resource/mcp': protectedResource(),
    '/.well-known/oauth-authorization-server': asMetadata(),
    'POST /register': json(201, {
      client_id: 'c1',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
    }),
  })

  it('ends the wait for the browser with a timeout and a hint', async () => {
    const result = await addAgainst(registersAClient(), [], {
      BROWSER: 'true',
      MCP_OAUTH_BRIDGE_LOGIN_TIMEOUT_SECONDS: '1',
    })
    expectFriendlyFailure(
      result,
      /did not come back to http:\/\/127\.0\.0\.1:\d+\/callback within 1 s[\s\S]*--no-browser/,
    )
  })

  it('with --no-browser, the timeout hint says to paste the address, not to use --no-browser', async () => {
    const result = await addAgainst(registersAClient(), ['--no-browser'], {
      MCP_OAUTH_BRIDGE_LOGIN_TIMEOUT_SECONDS: '1',
    })
    expectFriendlyFailure(
      result,
      /within 1 s[\s\S]*paste the address it ends on into this terminal/,
    )
    expect(result.stderr).not.toMatch(/use --no-browser/)
  })
})

describe('add: the person declines', () => {
  let fixture: OAuthFixture
  beforeAll(async () => {
    fixture = await startOAuthFixture()
  })
  afterAll(() => fixture.close())

  it('reports access_denied and saves nothing', async () => {
    const home = await makeHome()
    const result = await runCli(
      ['add', 'demo', fixture.mcpUrl],
      cliEnv(home, { FIXTURE_BROWSER_DENY: '1' }),
    )
    expectFriendlyFailure(
      result,
      /The authorization server refused: "access_denied"[\s\S]*declined/,
    )
    const list = await runCli(['list', '--json'], cliEnv(home))
    expect(JSON.parse(list.stdout)).toEqual([])
  })
})
