import { describe, expect, it } from 'vitest'
import { answer, json, scriptedFetch, ScriptedFetchError } from './scripted-fetch.js'

const TOKEN = 'https://as.example.com/token'
const METADATA = 'https://as.example.com/.well-known/oauth-authorization-server'

describe('a scripted fetch', () => {
  it('answers the script in order and is done when every request was made', async () => {
    const fake = scriptedFetch([
      { url: METADATA, respond: json({ issuer: 'https://as.example.com' }) },
      {
        method: 'POST',
        url: TOKEN,
        form: { grant_type: 'refresh_token', scope: null },
        headers: { authorization: 'Basic YTpi' },
        respond: answer(204),
      },
    ])
    expect(await (await fake.fetchFn(METADATA)).json()).toEqual({
      issuer: 'https://as.example.com',
    })
    const token = await fake.fetchFn(TOKEN, {
      method: 'POST',
      headers: { Authorization: 'Basic YTpi', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token' }),
    })
    expect(token.status).toBe(204)
    expect(fake.seen.map((request) => request.form.get('grant_type'))).toEqual([
      null,
      'refresh_token',
    ])
    expect(() => fake.assertDone()).not.toThrow()
  })

  it('an unexpected request fails at once, naming it and what was expected next, and again at assertDone', async () => {
    const fake = scriptedFetch([{ url: METADATA, respond: json({}) }])
    await expect(fake.fetchFn(TOKEN, { method: 'POST' })).rejects.toThrow(
      `Unexpected request POST ${TOKEN}; the script expected GET ${METADATA}.`,
    )
    // Even where the caller swallowed the failure, the test still fails.
    expect(() => fake.assertDone()).toThrow(ScriptedFetchError)
    expect(() => fake.assertDone()).toThrow(`Unexpected request POST ${TOKEN}`)
  })

  it('a request that fails its checks fails, with the field and both values', async () => {
    const fake = scriptedFetch([
      {
        method: 'POST',
        url: TOKEN,
        form: { resource: 'https://mcp.stripe.com' },
        respond: json({}),
      },
    ])
    await expect(
      fake.fetchFn(TOKEN, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'resource=https%3A%2F%2Fmcp.stripe.com%2F',
      }),
    ).rejects.toThrow(
      'form field resource was "https://mcp.stripe.com/", expected "https://mcp.stripe.com"',
    )
  })

  it('assertDone names the expected requests never made', async () => {
    const fake = scriptedFetch([
      { url: METADATA, respond: json({}) },
      { method: 'POST', url: TOKEN, respond: json({}) },
    ])
    await fake.fetchFn(METADATA)
    expect(() => fake.assertDone()).toThrow(`Expected requests never made: POST ${TOKEN}.`)
  })

  it('in any order, each request takes the first unused entry with its method and URL', async () => {
    const fake = scriptedFetch(
      [
        { url: METADATA, respond: answer(200, 'first') },
        { method: 'POST', url: TOKEN, respond: answer(200, 'token') },
        { url: METADATA, respond: answer(200, 'second') },
      ],
      { order: 'any' },
    )
    expect(await (await fake.fetchFn(TOKEN, { method: 'POST' })).text()).toBe('token')
    expect(await (await fake.fetchFn(new URL(METADATA))).text()).toBe('first')
    expect(await (await fake.fetchFn(METADATA)).text()).toBe('second')
    await expect(fake.fetchFn(METADATA)).rejects.toThrow('the script expected no more requests')
  })
})
