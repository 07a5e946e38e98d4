import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { updatePartner } from '../partners/partners.js'
import { createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { codeOf } from '../testing/helpers.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { receiveRegistrationEmail, workspaceSlugFromAddress } from './email-in.js'
import { parseRawMail } from './inbound-email.js'
import { getMyRegistration } from './partner.js'
import { createRegistrationLink, describeRegistrationLink, revokeRegistrationLink, submitViaRegistrationLink } from './public-link.js'

let deps: TestDeps
let vendor: VendorFixture
let partnerId: string
let rep: CoreContext & { email: string }

const fields = (company: string, domain: string) => ({ companyName: company, website: domain, contactName: 'Dana Buyer', contactEmail: `dana@${domain}`, problem: 'Needs onboarding', consent: 'on' })
const tokenOf = (url: string) => decodeURIComponent(url.slice(url.indexOf('/r/') + 3))

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Capture Vendor' })
  const partner = await createPartnerOrganisation(vendor.owner, { name: 'Capture Partner', emailDomains: ['capture-partner.com'] })
  partnerId = partner.id
  const user = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId, email: 'rita@capture-partner.com', name: 'Rita Rep' })
  rep = { ...user.context, email: 'rita@capture-partner.com' }
})
afterAll(async () => {
  await deps.close()
})

async function validationOf(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AppError && error.code === 'VALIDATION') return error.fieldErrors ?? {}
    throw error
  }
  throw new Error('expected a validation error')
}

describe('public registration link', () => {
  it('accepts allow-listed submitters only, refuses bots, and stops working when replaced', async () => {
    const link = await createRegistrationLink(vendor.owner, { partnerId })
    const token = tokenOf(link.url)
    expect(link.url).toContain(`/t/${vendor.slug}/r/`)
    expect(await describeRegistrationLink(deps, { token })).toMatchObject({ partnerName: 'Capture Partner', acceptsSubmissions: true })

    const outsider = await validationOf(submitViaRegistrationLink(deps, { token, submitterName: 'Eve', submitterEmail: 'eve@gmail.com', fields: fields('Linkco', 'linkco.com'), ip: '10.0.0.1' }))
    expect(outsider.submitterEmail?.[0]).toContain('work e-mail address at Capture Partner')
    expect(await codeOf(submitViaRegistrationLink(deps, { token, submitterName: 'Bot', submitterEmail: 'bot@capture-partner.com', honeypot: 'http://spam', fields: fields('Linkco', 'linkco.com'), ip: '10.0.0.1' }))).toBe('BAD_REQUEST')

    const receipt = await submitViaRegistrationLink(deps, { token, submitterName: 'Sam Seller', submitterEmail: 'sam@sales.capture-partner.com', fields: fields('Linkco', 'linkco.com'), ip: '10.0.0.1' })
    expect(receipt).toMatchObject({ caseReference: expect.stringMatching(/^R-/), status: 'submitted', verdict: 'clear' })
    const receiptMail = await deps.ownerDb.selectFrom('email_outbox').select('subject').where('to_email', '=', 'sam@sales.capture-partner.com').executeTakeFirstOrThrow()
    expect(receiptMail.subject).toBe(`Received: Linkco (${receipt.caseReference})`)
    // The partner's users see it in the portal.
    expect((await getMyRegistration(rep, { registrationId: receipt.registrationId })).registration.companyName).toBe('Linkco')

    const replaced = await createRegistrationLink(vendor.owner, { partnerId })
    expect(await codeOf(describeRegistrationLink(deps, { token }))).toBe('TOKEN_EXPIRED')
    await revokeRegistrationLink(vendor.owner, { linkId: replaced.linkId })
    expect(await codeOf(describeRegistrationLink(deps, { token: tokenOf(replaced.url) }))).toBe('TOKEN_EXPIRED')
    expect(await codeOf(describeRegistrationLink(deps, { token: `${vendor.tenantId}.tampered-token-that-is-not-valid-at-all-000` }))).toBe('TOKEN_INVALID')
    expect(await codeOf(describeRegistrationLink(deps, { token: 'garbage' }))).toBe('TOKEN_INVALID')
  })

  it('is rate-limited per network', async () => {
    const link = await createRegistrationLink(vendor.owner, { partnerId })
    const token = tokenOf(link.url)
    const codes: string[] = []
    for (let attempt = 0; attempt < 21; attempt++) codes.push(await codeOf(submitViaRegistrationLink(deps, { token, submitterName: 'Eve', submitterEmail: 'eve@elsewhere.com', fields: {}, ip: '10.9.9.9' })))
    expect(codes.slice(0, 20).every((code) => code === 'VALIDATION')).toBe(true)
    expect(codes[20]).toBe('RATE_LIMITED')
  })

  it('partners without allow-listed domains get a link that explains why it accepts nobody', async () => {
    const bare = await createPartnerOrganisation(vendor.owner, { name: 'No Domains Partner' })
    const link = await createRegistrationLink(vendor.owner, { partnerId: bare.id })
    expect(link.warning).toContain('accepts nobody')
    const errors = await validationOf(submitViaRegistrationLink(deps, { token: tokenOf(link.url), submitterName: 'X', submitterEmail: 'x@nodomains.com', fields: fields('A', 'a-co.com'), ip: null }))
    expect(errors.submitterEmail?.[0]).toContain('not set up yet')
    await updatePartner(vendor.owner, { partnerId: bare.id, name: 'No Domains Partner', type: 'reseller', emailDomains: 'nodomains.com' })
    expect(await codeOf(submitViaRegistrationLink(deps, { token: tokenOf(link.url), submitterName: 'X', submitterEmail: 'x@nodomains.com', fields: fields('A Co', 'a-co.com'), ip: null }))).toBe('OK')
  })
})

const rawMail = (from: string, to: string, body: string, messageId: string) =>
  [`From: Rita Rep <${from}>`, `To: ${to}`, 'Subject: New lead: Mailco', `Message-ID: <${messageId}>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=ISO-8859-1', 'Content-Transfer-Encoding: quoted-printable', '', body].join('\r\n')

describe('registration by e-mail', () => {
  it('parses the address, registers known senders once, and answers unknown senders and missing fields', async () => {
    expect(workspaceSlugFromAddress(`Registrations <registrations+${vendor.slug}@inbound.accord.localhost>`)).toBe(vendor.slug)
    const to = `registrations+${vendor.slug}@inbound.accord.localhost`
    const good = await parseRawMail(Buffer.from(rawMail('rita@capture-partner.com', to, ['Company: M=FCller Mailco GmbH', 'Website: https://www.mailco.de', 'Contact: J=F6rg Meier', 'E-mail: joerg@mailco.de', 'Need: 40 seats, wants a demo', 'Consent: yes'].join('\r\n'), 'good-1@example.com'), 'latin1'))
    // An authenticated sender (DKIM/DMARC at our receiving host) registers directly.
    const first = await receiveRegistrationEmail(deps, { mail: good, senderVerified: true })
    expect(first).toMatchObject({ outcome: 'registered', caseReference: expect.stringMatching(/^R-/) })
    expect(await receiveRegistrationEmail(deps, { mail: good, senderVerified: true })).toEqual({ outcome: 'duplicate_delivery' })
    if (first.outcome !== 'registered') throw new Error('not registered')
    const mine = await getMyRegistration(rep, { registrationId: first.registrationId })
    expect(mine.registration).toMatchObject({ companyName: 'Müller Mailco GmbH', contactName: 'Jörg Meier', domain: 'mailco.de' })
    const answer = await deps.ownerDb.selectFrom('email_outbox').select('subject').where('to_email', '=', 'rita@capture-partner.com').orderBy('created_at', 'desc').executeTakeFirstOrThrow()
    expect(answer.subject).toBe(`Received: Müller Mailco GmbH (${first.caseReference})`)

    // A stranger gets no answer at all: the From: could be anyone's, and an answer would be backscatter.
    const stranger = await parseRawMail(rawMail('someone@unknown.example', to, 'Company: X', 'stranger-1@example.com'))
    expect(await receiveRegistrationEmail(deps, { mail: stranger, senderVerified: true })).toMatchObject({ outcome: 'unknown_sender' })
    expect(await deps.ownerDb.selectFrom('email_outbox').select(['subject']).where('to_email', '=', 'someone@unknown.example').execute()).toEqual([])

    const partial = await parseRawMail(rawMail('rita@capture-partner.com', to, 'Company: Halfco\r\nWebsite: halfco.com', 'partial-1@example.com'))
    const outcome = await receiveRegistrationEmail(deps, { mail: partial, senderVerified: true })
    expect(outcome.outcome).toBe('missing_fields')
    expect(outcome.outcome === 'missing_fields' ? outcome.detail : '').toBe('Missing: Contact name, Contact e-mail, Problem and fit, Consent to be contacted.')

    const nowhere = await parseRawMail(rawMail('rita@capture-partner.com', 'registrations+no-such-workspace@inbound.accord.localhost', 'Company: X', 'nowhere-1@example.com'))
    expect((await receiveRegistrationEmail(deps, { mail: nowhere })).outcome).toBe('no_workspace')
  })
})
