// The device authorization grant (RFC 8628), for machines whose browser cannot reach a loopback
// callback (SSH sessions, containers): the person opens a short URL anywhere and types a code.
import { registerClient } from '@modelcontextprotocol/client'
import { setTimeout as sleep } from 'node:timers/promises'
import { BridgeError } from '../../errors.js'
import { saveTokens } from '../../tokens/save-tokens.js'
import { fromTokenResponse } from '../../tokens/token.js'
import { dropUnusableClient } from '../client-choice.js'
import { credentialIssuer } from '../discovery.js'
import { flowError } from '../flow-error.js'
import type { AuthorizationOutcome, DiscoveredTarget, FlowIo } from '../login-terms.js'
import { CLIENT_NAME } from '../provider.js'
import { parseSafeUrl } from '../safe-url.js'
import { deviceError, postForm } from './device-requests.js'
import { commandLine } from '../../cli/commands-named.js'

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

export interface DeviceAuthorization extends DiscoveredTarget {
  io: FlowIo
  timeoutMs: number
  /** The clock and the wait between polls; tests hand in their own so no poll is waited for. */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

interface DeviceCodeResponse {
  device_code: string
  user_code: string
  verification_uri: string
  verification_uri_complete?: string
  expires_in: number
  interval?: number
}

export async function authorizeWithDeviceCode(
  options: DeviceAuthorization,
): Promise<AuthorizationOutcome> {
  const { io, store, name, fetchFn, discovery, scope } = options
  const now = options.now ?? Date.now
  const wait = options.sleep ?? sleep
  const metadata = discovery.authorizationServerMetadata
  const endpoint = (metadata as { device_authorization_endpoint?: string } | undefined)
    ?.device_authorization_endpoint
  if (!metadata || !endpoint) {
    throw new BridgeError(
      'AUTHORIZATION_FAILED',
      `The authorization server ${metadata?.issuer ?? discovery.authorizationServerUrl} does not offer the device authorization grant (RFC 8628).`,
      {
        hint: 'Use --no-browser instead: it prints the login URL and accepts the final address pasted back.',
      },
    )
  }
  parseSafeUrl(endpoint, 'device_authorization_endpoint')
  await dropUnusableClient(store, name, discovery, scope ? { scope } : {})

  let client = (await store.get(name))?.client
  if (!client) {
    if (!metadata.registration_endpoint) {
      throw new BridgeError(
        'REGISTRATION_REQUIRED',
        `The authorization server ${metadata.issuer} does not offer dynamic client registration.`,
        {
          hint: `Register a client that may use the device grant, then run: ${commandLine.add(name, options.serverUrl.href, '--device --client-id <ID>')}`,
        },
      )
    }
    io.progress('Registering a client (dynamic client registration)…')
    try {
      const registered = await registerClient(discovery.authorizationServerUrl, {
        metadata,
        clientMetadata: {
          client_name: CLIENT_NAME,
          redirect_uris: [],
          grant_types: [DEVICE_GRANT, 'refresh_token'],
          response_types: [],
          token_endpoint_auth_method:
            metadata.token_endpoint_auth_methods_supported?.includes('none') === false
              ? 'client_secret_basic'
              : 'none',
          application_type: 'native',
          ...(scope ? { scope } : {}),
        } as Parameters<typeof registerClient>[1]['clientMetadata'],
        fetchFn,
      })
      client = { ...registered, issuer: credentialIssuer(discovery) }
    } catch (error) {
      throw flowError('registration', error, discovery)
    }
    const saved = client
    await store.update(name, (secrets) => ({ ...secrets, client: saved, clientSource: 'dynamic' }))
  }

  const resource = discovery.omitResource ? undefined : discovery.resourceMetadata?.resource
  const start = await postForm(fetchFn, endpoint, client, metadata, {
    ...(scope ? { scope } : {}),
    ...(resource ? { resource } : {}),
  })
  if (!start.ok) throw deviceError('device authorization', endpoint, start.body)
  const device = start.body as unknown as DeviceCodeResponse
  if (
    typeof device.device_code !== 'string' ||
    typeof device.user_code !== 'string' ||
    typeof device.verification_uri !== 'string'
  ) {
    throw new BridgeError(
      'AUTHORIZATION_FAILED',
      `The device authorization endpoint ${endpoint} answered without a device code.`,
    )
  }
  const verification = parseSafeUrl(
    device.verification_uri_complete ?? device.verification_uri,
    'verification URI',
  )
  io.progress(
    `On any device, open ${verification.href}${device.verification_uri_complete ? '' : ` and enter the code ${device.user_code}`}`,
  )
  io.progress(`Code: ${device.user_code} (waiting for you to approve…)`)

  const deadline = now() + Math.min(options.timeoutMs, (device.expires_in ?? 600) * 1000)
  let interval = Math.max(1, device.interval ?? 5) * 1000
  for (;;) {
    if (now() > deadline) {
      throw new BridgeError(
        'CALLBACK_TIMEOUT',
        'The device code expired before the login was approved.',
        { hint: 'Run the command again and approve the login sooner.' },
      )
    }
    await wait(interval)
    const poll = await postForm(fetchFn, metadata.token_endpoint, client, metadata, {
      grant_type: DEVICE_GRANT,
      device_code: device.device_code,
      ...(resource ? { resource } : {}),
    })
    if (poll.ok) {
      const tokens = fromTokenResponse(
        {
          ...(poll.body as unknown as Parameters<typeof fromTokenResponse>[0]),
          issuer: credentialIssuer(discovery),
        },
        now(),
      )
      if (typeof tokens.access_token !== 'string')
        throw new BridgeError(
          'TOKEN_EXCHANGE_FAILED',
          `The token endpoint ${metadata.token_endpoint} answered without an access token.`,
        )
      await saveTokens(store, name, tokens)
      return { discovery, scope }
    }
    const error = poll.body.error
    if (error === 'authorization_pending') continue
    if (error === 'slow_down') {
      interval += 5000 // RFC 8628 §3.5
      continue
    }
    throw deviceError('token', metadata.token_endpoint, poll.body)
  }
}
