import { describe, expect, it } from 'vitest'
import { echoValues, errorsFor, failureFromAppError, formValues, GENERIC_FAILURE, unexpectedFailure } from './forms'

describe('formValues', () => {
  it('picks the named text fields, with "" for missing ones and files', () => {
    const form = new FormData()
    form.set('name', '  Contoso  ')
    form.set('extra', 'ignored')
    form.set('logo', new Blob(['x']), 'logo.png')
    expect(formValues(form, ['name', 'region', 'logo'])).toEqual({ name: '  Contoso  ', region: '', logo: '' })
  })

  it('keeps emoji and non-Latin text verbatim', () => {
    const form = new FormData()
    form.set('companyName', '🚀 Raketen GmbH — Zürich 李')
    expect(formValues(form, ['companyName']).companyName).toBe('🚀 Raketen GmbH — Zürich 李')
  })
})

describe('echoValues', () => {
  it('never echoes passwords back into a page', () => {
    expect(echoValues({ email: 'a@b.co', password: 'secret', newPassword: 'x' })).toEqual({ email: 'a@b.co' })
  })
})

describe('failureFromAppError', () => {
  const validation = (fieldErrors: Record<string, string[]>, message = 'Please correct the highlighted fields.') => ({ code: 'VALIDATION', message, fieldErrors, httpStatus: 400 })

  it('puts field messages next to the fields the form has and keeps the typed values', () => {
    const { status, body } = failureFromAppError(validation({ slug: ['This address is already taken.'] }), { fields: ['slug', 'email'], values: { slug: 'acme', password: 'x' } })
    expect(status).toBe(400)
    expect(body).toMatchObject({ ok: false, formError: 'Please correct the highlighted fields.', fieldErrors: { slug: ['This address is already taken.'] }, values: { slug: 'acme' }, code: 'VALIDATION' })
    expect(body.values).not.toHaveProperty('password')
  })

  it('moves messages for fields the form does not show into the form message', () => {
    const { body } = failureFromAppError(validation({ partnerId: ['This partner organisation is archived; restore it before inviting people.'], email: ['Bad.'] }), { fields: ['email'] })
    expect(body.formError).toBe('This partner organisation is archived; restore it before inviting people.')
    expect(body.fieldErrors).toEqual({ email: ['Bad.'] })
  })

  it('words a form without fields (a row button) entirely in its form message', () => {
    const { body } = failureFromAppError(validation({ role: ['The workspace needs at least one owner. Make someone else owner first.'] }))
    expect(body.formError).toBe('The workspace needs at least one owner. Make someone else owner first.')
    expect(body.fieldErrors).toEqual({})
  })

  it('drops a form message that only repeats a field message', () => {
    const message = 'That e-mail and password do not match an account in this workspace.'
    const { body } = failureFromAppError(validation({ password: [message] }, message), { fields: ['password'] })
    expect(body.formError).toBeNull()
    expect(body.fieldErrors.password).toEqual([message])
  })

  it('uses the message for errors without field errors, with their status', () => {
    const { status, body } = failureFromAppError({ code: 'RATE_LIMITED', message: 'Too many sign-in attempts. Try again in 5 minutes, or reset your password.', httpStatus: 429 })
    expect(status).toBe(429)
    expect(body.formError).toMatch(/Too many sign-in attempts/)
    expect(body.fieldErrors).toEqual({})
  })

  it('keeps the intent so pages with several forms show errors at the right one', () => {
    const failure = failureFromAppError(validation({ email: ['x'] }), { intent: 'invite', fields: ['email'] }).body
    expect(errorsFor(failure, 'invite')).toBe(failure)
    expect(errorsFor(failure, 'update')).toBeNull()
    expect(errorsFor({ ok: true, intent: 'invite', notice: null }, 'invite')).toBeNull()
  })
})

describe('unexpectedFailure', () => {
  it('answers 500 with a calm message and no internals', () => {
    const { status, body } = unexpectedFailure({ values: { name: 'Acme' } })
    expect(status).toBe(500)
    expect(body.formError).toBe(GENERIC_FAILURE)
    expect(body.values).toEqual({ name: 'Acme' })
  })
})
