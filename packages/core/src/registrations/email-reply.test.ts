import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoreContext } from '../context.js'
import { createApprovedDealRegistrations, createPartnerOrganisation, createPartnerUser, createVendor, type VendorFixture } from '../testing/factories.js'
import { createTestDeps, type TestDeps } from '../testing/test-context.js'
import { receiveRegistrationEmail } from './email-in.js'
import { parseRawMail } from './inbound-email.js'
import { getMyRegistration } from './partner.js'
import { base32Decode, base32Encode, replyAddress, replyTokenFromAddresses, signReplyToken, verifyReplyToken } from './reply-address.js'
import { getRegistrationForStaff } from './review.js'

/**
 * Reply by e-mail end to end on real Postgres: the notification's Reply-To,
 * a raw RFC 822 reply through the inbound routing (`receiveRegistrationEmail`),
 * the timeline for staff and partner, and every refusal.
 */
let deps: TestDeps
let vendor: VendorFixture
let rep: CoreContext
let repEmail: string
let colleagueEmail: string
let registration: { registrationId: string; companyName: string }

const rfc822 = (...lines: string[]) => lines.join('\r\n')

function rawReply(input: { from: string; to: string; messageId?: string; subject?: string; body: string[] }): string {
  return rfc822(
    `From: Partner Person <${input.from}>`,
    `To: ${input.to}`,
    `Subject: ${input.subject ?? `Re: Approved: ${registration.companyName}`}`,
    'Date: Mon, 30 Nov 2026 10:30:00 +0000',
    `Message-ID: ${input.messageId ?? `<${randomUUID()}@mail.partner.example>`}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="UTF-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...input.body,
  )
}

const receive = async (raw: string) => receiveRegistrationEmail(deps, { mail: await parseRawMail(Buffer.from(raw, 'utf8')) })

async function replyToOf(to: string, companyName: string): Promise<string[]> {
  const rows = await deps.ownerDb.selectFrom('email_outbox').select(['reply_to', 'subject']).where('tenant_id', '=', vendor.tenantId).where('to_email', '=', to).orderBy('created_at').execute()
  return rows.filter((row) => row.subject.includes(companyName)).map((row) => row.reply_to ?? '')
}

const repliesOn = (registrationId: string) =>
  deps.ownerDb.selectFrom('registration_events').selectAll().where('registration_id', '=', registrationId).where('type', '=', 'partner_reply').orderBy('created_at').execute()

/** Outbox rows to one address; the plain text is wrapped at 80 columns, so it is given back unwrapped. */
const outboxTo = async (to: string) =>
  (await deps.ownerDb.selectFrom('email_outbox').select(['subject', 'text']).where('to_email', '=', to).orderBy('created_at').execute()).map((row) => ({ ...row, text: row.text.replace(/\s+/g, ' ') }))

beforeAll(async () => {
  deps = await createTestDeps()
  vendor = await createVendor(deps, { companyName: 'Reply Vendor' })
  const partner = await createPartnerOrganisation(vendor.owner, { name: 'Reply Partners' })
  const user = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, name: 'Rita Rep' })
  rep = user.context
  repEmail = user.email
  colleagueEmail = (await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id, name: 'Carl Colleague' })).email
  const [created] = await createApprovedDealRegistrations(vendor.owner, rep, 1, { label: 'Replyco' })
  registration = created!
})
afterAll(async () => {
  await deps?.close()
})

async function theReplyAddress(): Promise<string> {
  const [address] = await replyToOf(repEmail, registration.companyName)
  return address!
}

describe('reply addresses', () => {
  it('every partner notification of a registration carries the same signed reply address; it round-trips', async () => {
    const addresses = await replyToOf(repEmail, registration.companyName)
    // "Received" and "Approved".
    expect(addresses).toHaveLength(2)
    expect(new Set(addresses).size).toBe(1)
    const address = addresses[0]!
    expect(address).toMatch(/^reply\+[a-z2-7]{52}@inbound\.accord\.localhost$/)
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64)

    const token = replyTokenFromAddresses([`Partner Team <${address}>`])!
    const check = verifyReplyToken(token)
    expect(check).toMatchObject({ valid: true, tenantId: vendor.tenantId })
    const row = await deps.ownerDb.selectFrom('reply_addresses').selectAll().where('tenant_id', '=', vendor.tenantId).where('key', '=', check.valid ? check.key : '').executeTakeFirstOrThrow()
    expect(row).toMatchObject({ registration_id: registration.registrationId, recipient_email: repEmail })
    expect(replyAddress(signReplyToken(vendor.tenantId, row.key))).toBe(address)
    // Case-folding MTAs do not break it.
    expect(verifyReplyToken(token.toUpperCase())).toMatchObject({ valid: true })
    // Staff notifications are not replies to partners.
    const staffMail = await deps.ownerDb.selectFrom('email_outbox').select('reply_to').where('tenant_id', '=', vendor.tenantId).where('to_email', '=', vendor.ownerEmail).execute()
    expect(staffMail.every((mail) => !mail.reply_to?.startsWith('reply+'))).toBe(true)
  })

  it('base32 round-trips any bytes', () => {
    for (const length of [0, 1, 5, 8, 13, 32]) {
      const bytes = Buffer.from(Array.from({ length }, (_, index) => (index * 37 + 11) & 255))
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes)
    }
  })
})

describe('receiving a reply', () => {
  it('a raw Gmail-style reply lands once on the timeline, quote stripped, visible to staff and partner', async () => {
    const address = await theReplyAddress()
    const raw = rawReply({
      from: repEmail.toUpperCase(),
      to: `"Reply Vendor" <${address}>`,
      messageId: '<reply-1@mail.partner.example>',
      body: ['Great, the first meeting is booked for 3 December.', '', `On Mon, 30 Nov 2026 at 10:15, Reply Vendor <${address}> wrote:`, '', '> Approved: Replyco', '> Your registration is approved.'],
    })
    const outcome = await receive(raw)
    expect(outcome).toMatchObject({ outcome: 'reply_recorded', registrationId: registration.registrationId })
    expect(await receive(raw)).toEqual({ outcome: 'duplicate_delivery' })

    const events = await repliesOn(registration.registrationId)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ actor_kind: 'partner', actor_label: 'Rita Rep (e-mail reply)', staff_note: 'Great, the first meeting is booked for 3 December.', partner_visible: true })
    expect(events[0]!.details).toMatchObject({ messageKey: 'id:<reply-1@mail.partner.example>' })

    const staffView = await getRegistrationForStaff(vendor.owner, { registrationId: registration.registrationId })
    expect(staffView.events.find((event) => event.type === 'partner_reply')).toMatchObject({ staffNote: 'Great, the first meeting is booked for 3 December.', actorLabel: 'Rita Rep (e-mail reply)' })
    const partnerView = await getMyRegistration(rep, { registrationId: registration.registrationId })
    expect(partnerView.timeline.find((event) => event.type === 'partner_reply')).toMatchObject({ note: 'Reply by e-mail: Great, the first meeting is booked for 3 December.', by: 'Your team' })

    // The reviewers hear about it once (the redelivery sent nothing).
    const staffNotices = (await outboxTo(vendor.ownerEmail)).filter((mail) => mail.subject.startsWith('Partner replied:'))
    expect(staffNotices).toHaveLength(1)
    expect(staffNotices[0]?.text).toContain('Great, the first meeting is booked for 3 December.')

    const log = await deps.ownerDb.selectFrom('inbound_emails').select(['outcome', 'registration_id']).where('tenant_id', '=', vendor.tenantId).where('message_key', '=', 'id:<reply-1@mail.partner.example>').execute()
    expect(log).toEqual([{ outcome: 'reply_recorded', registration_id: registration.registrationId }])
  })

  it('a colleague in the same partner organisation may answer; a stranger may not', async () => {
    const address = await theReplyAddress()
    const colleague = await receive(rawReply({ from: colleagueEmail, to: address, body: ['I am taking this one over.'] }))
    expect(colleague).toMatchObject({ outcome: 'reply_recorded' })
    expect((await repliesOn(registration.registrationId)).at(-1)).toMatchObject({ actor_label: 'Carl Colleague (e-mail reply)', staff_note: 'I am taking this one over.' })

    const before = (await repliesOn(registration.registrationId)).length
    const stranger = await receive(rawReply({ from: 'eve@elsewhere.example', to: address, body: ['Let me in.'] }))
    expect(stranger).toMatchObject({ outcome: 'reply_refused', reason: 'sender_mismatch' })
    expect(await repliesOn(registration.registrationId)).toHaveLength(before)
    // A stranger's From: is unverified: no e-mail goes to it (Accord is no mail cannon for forged senders).
    expect(await outboxTo('eve@elsewhere.example')).toEqual([])
  })

  it('tampered, unknown and malformed addresses are refused politely and store nothing', async () => {
    const address = await theReplyAddress()
    const token = replyTokenFromAddresses([address])!
    const before = (await repliesOn(registration.registrationId)).length
    const eventsBefore = await deps.ownerDb.selectFrom('registration_events').select(({ fn }) => fn.countAll<string>().as('count')).where('tenant_id', '=', vendor.tenantId).executeTakeFirstOrThrow()

    // One character changed in the key part (the MAC no longer matches).
    const at = 30
    const tampered = `${token.slice(0, at)}${token[at] === 'a' ? 'b' : 'a'}${token.slice(at + 1)}`
    expect(verifyReplyToken(tampered)).toEqual({ valid: false, tenantId: vendor.tenantId })
    // The last character's unused low bits changed: same bytes, but not the address we issued.
    const last = token.at(-1)!
    expect(verifyReplyToken(`${token.slice(0, -1)}${last === 'a' ? 'b' : 'a'}`)).toMatchObject({ valid: false })
    const first = await receive(rawReply({ from: repEmail, to: replyAddress(tampered), body: ['Forged note'] }))
    expect(first).toMatchObject({ outcome: 'reply_refused', reason: 'invalid_address' })

    // Correctly signed, but no such reply address (never issued / removed).
    const unknown = await receive(rawReply({ from: repEmail, to: replyAddress(signReplyToken(vendor.tenantId, '00112233aabbccdd')), body: ['Hello?'] }))
    expect(unknown).toMatchObject({ outcome: 'reply_refused', reason: 'invalid_address' })

    // Not even a token: no workspace to answer from, nothing happens at all.
    const outboxBefore = (await outboxTo(repEmail)).length
    expect(await receive(rawReply({ from: repEmail, to: 'reply+not-a-token@inbound.accord.localhost', body: ['?'] }))).toMatchObject({ outcome: 'reply_refused', reason: 'invalid_address' })
    expect(await receive(rawReply({ from: repEmail, to: replyAddress(signReplyToken(randomUUID(), '00112233aabbccdd')), body: ['?'] }))).toMatchObject({ outcome: 'reply_refused', reason: 'invalid_address' })
    expect((await outboxTo(repEmail)).length).toBe(outboxBefore)

    expect(await repliesOn(registration.registrationId)).toHaveLength(before)
    const eventsAfter = await deps.ownerDb.selectFrom('registration_events').select(({ fn }) => fn.countAll<string>().as('count')).where('tenant_id', '=', vendor.tenantId).executeTakeFirstOrThrow()
    expect(eventsAfter.count).toBe(eventsBefore.count)
    const refusals = (await outboxTo(repEmail)).filter((mail) => mail.subject === 'Your reply was not added')
    expect(refusals).toHaveLength(2)
    expect(refusals[0]?.text).toContain('the address you wrote to is not valid')
    // The log keeps who/what/outcome, never the body.
    const log = await deps.ownerDb.selectFrom('inbound_emails').selectAll().where('tenant_id', '=', vendor.tenantId).where('outcome', '=', 'reply_refused').where('from_email', '=', repEmail).execute()
    expect(log).toHaveLength(2)
    expect(log.every((row) => row.registration_id === null && !JSON.stringify(row).includes('Forged note'))).toBe(true)
  })

  it('refusals are explained by e-mail at most three times a day per sender, even when sent in parallel', async () => {
    // Sent at once, as an attacker would: the daily bucket is atomic, so no more than three get through.
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, attempt) =>
        receive(rawReply({ from: colleagueEmail, to: replyAddress(signReplyToken(vendor.tenantId, `00112233aabbcc${String(attempt).padStart(2, '0')}`)), body: [`Attempt ${attempt}`] })),
      ),
    )
    for (const outcome of outcomes) expect(outcome).toMatchObject({ outcome: 'reply_refused', reason: 'invalid_address' })
    const explained = (await outboxTo(colleagueEmail)).filter((mail) => mail.subject === 'Your reply was not added')
    expect(explained).toHaveLength(3)
  })

  it('a reply with only the quoted e-mail is refused politely', async () => {
    const address = await theReplyAddress()
    const before = (await repliesOn(registration.registrationId)).length
    const outcome = await receive(rawReply({ from: repEmail, to: address, body: ['', `On Mon, 30 Nov 2026 at 10:15, Reply Vendor <${address}> wrote:`, '> Approved'] }))
    expect(outcome).toMatchObject({ outcome: 'reply_refused', reason: 'empty' })
    expect(await repliesOn(registration.registrationId)).toHaveLength(before)
    const last = (await outboxTo(repEmail)).at(-1)
    expect(last?.text).toContain('only the quoted e-mail')
  })

  it('registration mail to the workspace address still registers (from an authenticated sender)', async () => {
    const registrationMail = async (raw: string) => receiveRegistrationEmail(deps, { mail: await parseRawMail(Buffer.from(raw, 'utf8')), senderVerified: true })
    const outcome = await registrationMail(
      rfc822(
        `From: Rita <${repEmail}>`,
        `To: registrations+${vendor.slug}@inbound.accord.localhost`,
        'Subject: Registration: Mailco',
        `Message-ID: <${randomUUID()}@mail.partner.example>`,
        'Content-Type: text/plain; charset="UTF-8"',
        '',
        'Website: mailco-reply-test.com',
        'Contact name: Mia Mail',
        'Contact e-mail: mia@mailco-reply-test.com',
        'Problem and fit: Needs a partner portal.',
        'Consent to be contacted: yes',
      ),
    )
    expect(outcome).toMatchObject({ outcome: 'registered' })
  })
})
