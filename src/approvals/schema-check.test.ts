import { describe, expect, it } from 'vitest'
import { checkEditedArguments, errorsText, jsonPath } from './schema-check.js'

const BOOKING = {
  type: 'object',
  properties: {
    city: { type: 'string', enum: ['Paris', 'Lyon'] },
    nights: { type: 'integer', minimum: 1 },
    email: { type: 'string', format: 'email' },
    rooms: {
      type: 'array',
      items: { type: 'object', properties: { beds: { type: 'integer' } }, required: ['beds'] },
    },
    'two words': { type: 'string' },
  },
  required: ['city', 'nights'],
  additionalProperties: false,
}

describe('checking edited arguments against the input schema', () => {
  it('passes arguments that fit', async () => {
    expect(
      await checkEditedArguments(
        { city: 'Lyon', nights: 2, email: 'a@example.org', rooms: [{ beds: 2 }] },
        BOOKING,
      ),
    ).toEqual({ ok: true, schema: 'checked' })
  })

  it('names each error by its JSON path, including missing and unexpected properties', async () => {
    const checked = await checkEditedArguments(
      {
        city: 'Rome',
        nights: 0,
        email: 'nope',
        rooms: [{ beds: 1 }, {}],
        'two words': 3,
        extra: true,
      },
      BOOKING,
    )
    expect(checked.ok).toBe(false)
    const errors = checked.ok ? [] : checked.errors
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: '$.city', message: 'must be one of "Paris", "Lyon"' },
        { path: '$.nights', message: 'must be >= 1' },
        { path: '$.email', message: 'must match format "email"' },
        { path: '$.rooms[1].beds', message: 'is required' },
        { path: '$["two words"]', message: 'must be string' },
        { path: '$.extra', message: 'is not a property the tool accepts' },
      ]),
    )
    expect(errorsText(errors)).toContain('$.nights: must be >= 1')
  })

  it('reports a required property at its own path', async () => {
    const checked = await checkEditedArguments({ city: 'Paris' }, BOOKING)
    expect(checked).toEqual({
      ok: false,
      schema: 'checked',
      errors: [{ path: '$.nights', message: 'is required' }],
    })
  })

  it('refuses anything but a JSON object, with or without a schema', async () => {
    expect(await checkEditedArguments([1], BOOKING)).toMatchObject({
      ok: false,
      errors: [
        { path: '$', message: expect.stringMatching(/must be a JSON object.*not an array/) },
      ],
    })
    expect(await checkEditedArguments('text', undefined)).toMatchObject({
      ok: false,
      schema: 'unknown',
      errors: [{ path: '$' }],
    })
    expect(await checkEditedArguments(null, undefined)).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining('not null') }],
    })
  })

  it('checks only the object shape when the schema is unknown', async () => {
    expect(await checkEditedArguments({ anything: ['goes'] }, undefined)).toEqual({
      ok: true,
      schema: 'unknown',
    })
  })

  it('follows $schema: draft-07 schemas (zod-to-json-schema) and 2020-12 ones both work; x-mcp-header is no error', async () => {
    const draft7 = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { n: { type: 'number', exclusiveMaximum: 5 } },
    }
    expect(await checkEditedArguments({ n: 7 }, draft7)).toMatchObject({
      ok: false,
      errors: [{ path: '$.n', message: 'must be < 5' }],
    })
    const modern = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        tags: { type: 'array', prefixItems: [{ type: 'string' }] },
      },
    }
    expect(await checkEditedArguments({ region: 'eu', tags: [1] }, modern)).toMatchObject({
      ok: false,
      errors: [{ path: '$.tags[0]', message: 'must be string' }],
    })
  })

  it('does not trust a schema it cannot compile, or one too deep to compile safely', async () => {
    expect(
      await checkEditedArguments(
        { a: 1 },
        { type: 'object', properties: { a: { $ref: '#/nowhere' } } },
      ),
    ).toEqual({ ok: true, schema: 'unusable' })
    let deep: object = { type: 'object' }
    for (let level = 0; level < 100; level++) deep = { type: 'object', properties: { a: deep } }
    expect(await checkEditedArguments({ a: 1 }, deep)).toEqual({ ok: true, schema: 'unusable' })
  })

  it('writes paths with indexes, plain names and quoted names', () => {
    expect(jsonPath([])).toBe('$')
    expect(jsonPath(['rooms', 0, 'beds'])).toBe('$.rooms[0].beds')
    expect(jsonPath(['a-b', '0'])).toBe('$["a-b"]["0"]')
  })
})
