import { createHmac } from 'node:crypto'
import { startFakeSlack } from '@accord/core/slack/testing/fake-slack'
import { createPartnerOrganisation, createPartnerUser, createVendor } from '@accord/core/testing/factories'
import { withTenant } from '@accord/db'
import { expect, signedInPartner, signInOwner, test } from '../fixtures/stack.js'
import { expectAccessible } from '../fixtures/accessibility.js'

/**
 * Two capture channels end to end, against the running stack and its worker:
 *
 * 1. Slack's `/register`: staff connect Slack (webhook mode, pointed at a fake
 *    Slack in this process) on Settings → Slack; a correctly signed command
 *    registers a lead (case number + portal link in the ephemeral answer), the
 *    registration shows in the admin queue; a replay and a wrongly signed (or
 *    stale) request are refused and store nothing; the worker posts the status
 *    changes to the fake Slack webhook.
 * 2. Reply by e-mail: a partner registers in the portal, the "Received" e-mail
 *    in the dev mailbox carries `Reply-To: reply+<token>@…`; a reply to it with
 *    a signature and quoted history lands on the staff timeline and the
 *    partner's history as just the new text; a tampered token gets a polite
 *    refusal e-mail and nothing is stored.
 */

/** What Slack sends: `v0=` HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's signing secret. */
function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`
}

async function postSlackCommand(url: string, body: string, headers: { timestamp: string; signature: string }) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': headers.timestamp,
      'x-slack-signature': headers.signature,
    },
    body,
  })
  return { status: response.status, body: (await response.json()) as { response_type?: string; text?: string; error?: string } }
}

test('Slack /register: connect on Settings → Slack, a signed command registers, replays and bad signatures are refused, the worker posts updates', async ({ browser, deps, info }) => {
  const slack = await startFakeSlack()
  const context = await browser.newContext()
  try {
    const vendor = await createVendor(deps)
    const partnerName = `Slack Partner ${vendor.slug}`
    const partner = await createPartnerOrganisation(vendor.owner, { name: partnerName })
    // The Slack user is matched to this partner portal account by e-mail (`from:` in webhook mode).
    const rep = await createPartnerUser(deps, { tenantId: vendor.tenantId, partnerId: partner.id })
    await signInOwner(deps, context, info, vendor)
    const signingSecret = `e2eSigningSecret${vendor.slug.replace(/[^a-z0-9]/gi, '')}`.slice(0, 64)
    const webhookUrl = slack.createWebhook('vendor')

    const serverErrors: string[] = []
    const page = await context.newPage()
    page.on('response', (response) => {
      if (response.status() >= 500) serverErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`)
    })
    await page.goto(`${info.adminUrl}/settings/slack`)
    await expect(page.getByRole('heading', { name: 'Slack', exact: true, level: 1 })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'Not connected' })).toBeVisible()
    await expectAccessible(page, 'Slack settings, not connected')

    // Field errors first: a webhook URL that is not a URL and a signing secret that is too short.
    const connect = page.getByRole('form', { name: 'Connect Slack' })
    await expect(connect.getByRole('radio', { name: 'Incoming webhook' })).toBeChecked()
    await connect.getByLabel('Webhook URL').fill('hooks.slack.com/services/not-a-url')
    await connect.getByLabel('Signing secret (for /register)').fill('short')
    await connect.getByRole('button', { name: 'Connect Slack' }).click()
    await expect(connect.getByText('Paste the incoming webhook URL (https://hooks.slack.com/services/…).')).toBeVisible()
    await expect(connect.getByText(/Paste the signing secret from your Slack app/)).toBeVisible()
    await expect(connect.getByLabel('Webhook URL')).toHaveAttribute('aria-invalid', 'true')
    await expect(connect.getByLabel('Signing secret (for /register)')).toHaveAttribute('aria-invalid', 'true')
    expect(slack.messages).toHaveLength(0)
    await expectAccessible(page, 'Slack settings, with field errors')

    // Now for real: the fake Slack's webhook and a signing secret.
    await connect.getByLabel('Webhook URL').fill(webhookUrl)
    await connect.getByLabel('Channel name (for your reference)').fill('#partners')
    await connect.getByLabel('Signing secret (for /register)').fill(signingSecret)
    await connect.getByRole('button', { name: 'Connect Slack' }).click()
    await expect(page.getByText('Slack is connected to #partners.', { exact: false })).toBeVisible()
    await expect(page.getByRole('status', { name: 'Connection status: Connected' })).toBeVisible()
    await expect(page.getByText('On (signing secret stored)')).toBeVisible()
    expect(slack.messages.map((message) => message.text)).toEqual([expect.stringContaining('Accord is connected')])
    const commandUrl = await page.getByLabel('Request URL').inputValue()
    expect(commandUrl).toBe(`${info.adminUrl}/api/slack/commands/${vendor.slug}`)
    await expectAccessible(page, 'Slack settings, connected')

    // A signed /register, form-encoded like Slack (Slack escapes e-mail addresses as <mailto:…|…>).
    const domain = `slack-lead-${vendor.slug}.com`
    const company = `Slack Lead ${vendor.slug} GmbH`
    const text = `company: ${company}; website: ${domain}; contact: Jane Slack; email: <mailto:jane@${domain}|jane@${domain}>; problem: wants a partner-led rollout for 50 seats; consent: yes; from: ${rep.email}`
    const body = new URLSearchParams({
      token: 'deprecated-verification-token',
      team_id: 'T0FAKE',
      team_domain: 'fake-workspace',
      channel_id: 'C0PARTNERS',
      channel_name: 'partners',
      user_id: 'U0SLACKREP',
      user_name: 'slack.rep',
      command: '/register',
      text,
      api_app_id: 'A0ACCORD',
      response_url: `${slack.url}/commands/T0FAKE/1234/response`,
      trigger_id: '1234.5678.abcdef',
    }).toString()
    const timestamp = String(Math.floor(Date.now() / 1000))
    const signature = slackSignature(signingSecret, timestamp, body)
    const registered = await postSlackCommand(commandUrl, body, { timestamp, signature })
    expect(registered.status).toBe(200)
    expect(registered.body.response_type).toBe('ephemeral')
    const answer = registered.body.text ?? ''
    const caseReference = /\*(R-\d+)\*/.exec(answer)?.[1]
    expect(caseReference, answer).toBeTruthy()
    const link = new RegExp(`<(${info.portalUrl}/t/${vendor.slug}/registrations/([0-9a-f-]{36}))\\|Open ${caseReference} in the partner portal>`).exec(answer)
    expect(link, answer).not.toBeNull()
    const registrationId = link?.[2] ?? ''

    const countRegistrations = () =>
      withTenant(deps.db, { tenantId: vendor.tenantId }, async (trx) => {
        const row = await trx.selectFrom('registrations').select((eb) => eb.fn.countAll<string>().as('count')).where('company_name', '=', company).executeTakeFirstOrThrow()
        return Number(row.count)
      })
    expect(await countRegistrations()).toBe(1)

    // The same request again (same timestamp and signature) is a replay: refused, nothing stored.
    const replay = await postSlackCommand(commandUrl, body, { timestamp, signature })
    expect(replay.status).toBe(409)
    expect(replay.body.error).toMatch(/already processed/)
    // Signed with the wrong secret: refused.
    const freshTimestamp = String(Math.floor(Date.now() / 1000))
    const forged = await postSlackCommand(commandUrl, body, { timestamp: freshTimestamp, signature: slackSignature(`${signingSecret}x`, freshTimestamp, body) })
    expect(forged.status).toBe(401)
    expect(forged.body.error).toMatch(/signature does not match/)
    // Correctly signed but the body changed after signing: refused.
    const tampered = await postSlackCommand(commandUrl, body.replace('50+seats', '500+seats'), { timestamp: freshTimestamp, signature: slackSignature(signingSecret, freshTimestamp, body) })
    expect(tampered.status).toBe(401)
    // Correctly signed but older than five minutes: refused.
    const staleTimestamp = String(Math.floor(Date.now() / 1000) - 6 * 60)
    const stale = await postSlackCommand(commandUrl, body, { timestamp: staleTimestamp, signature: slackSignature(signingSecret, staleTimestamp, body) })
    expect(stale.status).toBe(401)
    expect(stale.body.error).toMatch(/older than 5 minutes/)
    expect(await countRegistrations()).toBe(1)

    // The worker posts "received" to the vendor's Slack channel.
    const posted = () => slack.messages.filter((message) => message.via === 'webhook' && message.target === new URL(webhookUrl).pathname).map((message) => message.text)
    await expect.poll(posted, { timeout: 20_000 }).toContainEqual(`<${info.adminUrl}/registrations/${registrationId}|${caseReference}> ${company} (${partnerName}): received`)

    // Staff see it in the registrations queue (exactly once), open it, and approve it.
    await page.goto(`${info.adminUrl}/registrations`)
    const rows = page.getByRole('row').filter({ hasText: company })
    await expect(rows).toHaveCount(1)
    await rows.getByRole('link').first().click()
    await expect(page.getByRole('heading', { name: company })).toBeVisible()
    await expect(page.getByText(`${caseReference}`, { exact: false }).first()).toBeVisible()
    await expect(page.getByText(/via slack/)).toBeVisible()
    await page.getByRole('button', { name: 'Approve' }).click()
    await expect(page.getByText(/Approved\. The partner has been e-mailed/)).toBeVisible()

    // …and the worker posts the status change to Slack.
    await expect.poll(posted, { timeout: 20_000 }).toContainEqual(`<${info.adminUrl}/registrations/${registrationId}|${caseReference}> ${company} (${partnerName}): approved`)

    // Settings → Slack lists both posts as sent.
    await page.goto(`${info.adminUrl}/settings/slack`)
    const log = page.getByRole('region', { name: 'Recent messages' })
    await expect(log.getByRole('row').filter({ hasText: `${company} (${partnerName}): approved` })).toContainText('Sent')
    await expect(log.getByRole('row').filter({ hasText: `${company} (${partnerName}): received` })).toContainText('Sent')
    expect(serverErrors).toEqual([])
  } finally {
    await context.close()
    await slack.close()
  }
})

/** The raw e-mail a mail client would send in reply to a notification. */
function replyMail(input: { from: string; fromName: string; to: string; subject: string; messageId: string; body: string }): string {
  return [
    `From: ${input.fromName} <${input.from}>`,
    `To: ${input.to}`,
    `Subject: ${input.subject}`,
    `Message-ID: <${input.messageId}>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    input.body,
  ].join('\r\n')
}

test('reply by e-mail: the reply lands on both timelines without quote or signature; a tampered address is refused politely', async ({ browser, deps, info, request }) => {
  const partnerContext = await browser.newContext()
  const staffContext = await browser.newContext()
  try {
    const { vendor, rep, portalHome } = await signedInPartner(deps, partnerContext, info)
    await signInOwner(deps, staffContext, info, vendor)
    const domain = `reply-lead-${vendor.slug}.com`
    const company = `Reply Lead ${vendor.slug} Ltd`

    // The partner registers in the portal.
    const portal = await partnerContext.newPage()
    await portal.goto(`${portalHome}/registrations/new`)
    await portal.getByLabel('Company').fill(company)
    await portal.getByLabel('Website or domain').fill(domain)
    await portal.getByLabel('Contact name').fill('Rita Reply')
    await portal.getByLabel('Contact e-mail').fill(`rita@${domain}`)
    await expect(portal.locator('.precheck')).toContainText('No other claim found.')
    await portal.getByLabel('Problem and fit').fill('Needs SSO for 80 seats.')
    await portal.getByLabel(/agreed to be contacted/).check()
    await portal.getByRole('button', { name: 'Submit registration' }).click()
    await expect(portal.getByText('Registration received.')).toBeVisible()
    const caseReference = /R-\d+/.exec((await portal.getByText(/Your case number is R-\d+/).textContent()) ?? '')?.[0] ?? ''
    expect(caseReference).toMatch(/^R-\d+$/)

    // The "Received" e-mail (delivered by the worker) in the dev mailbox carries the reply address.
    const mailbox = await staffContext.newPage()
    const received = mailbox.getByRole('row').filter({ hasText: `Received: ${company}` })
    await expect(async () => {
      await mailbox.goto(`${info.adminUrl}/dev/mailbox?to=${encodeURIComponent(rep.email)}`)
      await expect(received.first()).toBeVisible({ timeout: 1000 })
    }).toPass({ timeout: 20_000 })
    await received.first().getByRole('link').first().click()
    const replyToCell = mailbox.locator('dt', { hasText: /^Reply-To$/ }).locator('xpath=following-sibling::dd[1]')
    await expect(replyToCell).toHaveText(/^reply\+[a-z2-7]{52}@/)
    const replyTo = ((await replyToCell.textContent()) ?? '').trim()
    await expect(mailbox.getByText(`Reply to this e-mail to add a note to ${caseReference}`, { exact: false }).first()).toBeVisible()
    const token = /^reply\+([a-z2-7]{52})@/.exec(replyTo)?.[1] ?? ''

    // The partner replies from their mail client: new text on top, a signature, then the quoted notification.
    const replyText = `The customer's budget for ${company} is approved for Q3.\nTheir CTO joins our next call on Thursday.`
    const reply = replyMail({
      from: rep.email,
      fromName: 'Rep Replying',
      to: replyTo,
      subject: `Re: Received: ${company} (${caseReference})`,
      messageId: `reply-1-${vendor.slug}@partner.example`,
      body: [
        replyText,
        '',
        '-- ',
        'Rep Replying | Senior Partner Sales',
        '+44 20 7946 0000',
        '',
        `On Mon, 30 Nov 2026 at 12:00, Partner Team <no-reply@accord.localhost>`,
        'wrote:',
        `> We received your registration for ${company}. Your case number is ${caseReference}.`,
        '> QUOTED HISTORY MUST NOT APPEAR',
      ].join('\n'),
    })
    // The endpoint stores and queues (202); the worker reads the reply a moment later.
    const recorded = await request.post(`${info.adminUrl}/api/inbound/email`, { data: reply, headers: { 'content-type': 'message/rfc822' } })
    expect(recorded.status()).toBe(202)
    expect(await recorded.json()).toMatchObject({ outcome: 'queued' })
    const replyEvent = async () =>
      withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) =>
        trx.selectFrom('registration_events').select(['registration_id']).where('type', '=', 'partner_reply').where('staff_note', '=', replyText).executeTakeFirst(),
      )
    await expect.poll(async () => (await replyEvent())?.registration_id ?? null, { timeout: 20_000 }).not.toBeNull()
    const registrationId = (await replyEvent())?.registration_id ?? ''

    // The same message delivered twice is a no-op.
    const redelivered = await request.post(`${info.adminUrl}/api/inbound/email`, { data: reply, headers: { 'content-type': 'message/rfc822' } })
    expect(await redelivered.json()).toMatchObject({ outcome: 'duplicate_delivery' })

    // A tampered token (one character of its MAC changed): refused politely, nothing stored.
    const swapped = token[40] === 'a' ? 'b' : 'a'
    const tamperedAddress = replyTo.replace(token, `${token.slice(0, 40)}${swapped}${token.slice(41)}`)
    expect(tamperedAddress).not.toBe(replyTo)
    const tampered = await request.post(`${info.adminUrl}/api/inbound/email`, {
      data: replyMail({ from: rep.email, fromName: 'Rep Replying', to: tamperedAddress, subject: `Re: Received: ${company} (${caseReference})`, messageId: `reply-2-${vendor.slug}@partner.example`, body: 'TAMPERED REPLY MUST NOT BE STORED' }),
      headers: { 'content-type': 'message/rfc822' },
    })
    expect(tampered.status()).toBe(202)
    expect(await tampered.json()).toMatchObject({ outcome: 'queued' })
    const refusal = mailbox.getByRole('row').filter({ hasText: 'Your reply was not added' })
    await expect(async () => {
      await mailbox.goto(`${info.adminUrl}/dev/mailbox?to=${encodeURIComponent(rep.email)}`)
      await expect(refusal.first()).toBeVisible({ timeout: 1000 })
    }).toPass({ timeout: 20_000 })
    await refusal.first().getByRole('link').first().click()
    await expect(mailbox.locator('main')).toContainText('the address you wrote to is not valid')
    await expect(mailbox.locator('main')).toContainText('Nothing from your e-mail was stored.')
    const replyEvents = await withTenant(deps.db, { tenantId: vendor.tenantId }, (trx) =>
      trx.selectFrom('registration_events').select(['staff_note']).where('registration_id', '=', registrationId).where('type', '=', 'partner_reply').execute(),
    )
    expect(replyEvents).toEqual([{ staff_note: replyText }])

    // Staff: the registration's event log shows the reply, without the signature or quoted history.
    const admin = await staffContext.newPage()
    await admin.goto(`${info.adminUrl}/registrations/${registrationId}`)
    await expect(admin.getByRole('heading', { name: company })).toBeVisible()
    const log = admin.getByRole('region', { name: 'Event log' })
    const replyEntry = log.getByRole('listitem').filter({ hasText: 'partner reply' })
    await expect(replyEntry).toHaveCount(1)
    await expect(replyEntry).toContainText('(e-mail reply)')
    await expect(replyEntry).toContainText("The customer's budget for")
    await expect(replyEntry).toContainText('Their CTO joins our next call on Thursday.')
    await expect(log).not.toContainText('QUOTED HISTORY')
    await expect(log).not.toContainText('Senior Partner Sales')
    await expect(log).not.toContainText('TAMPERED')

    // Partner: the registration's history in the portal shows it too.
    await portal.goto(`${portalHome}/registrations/${registrationId}`)
    const history = portal.getByRole('region', { name: 'History' })
    await expect(history).toContainText(`Reply by e-mail: The customer's budget for ${company} is approved for Q3.`)
    await expect(history).toContainText('Their CTO joins our next call on Thursday.')
    await expect(history).not.toContainText('QUOTED HISTORY')
    await expect(history).not.toContainText('Senior Partner Sales')
    await expect(history).not.toContainText('TAMPERED')
  } finally {
    await partnerContext.close()
    await staffContext.close()
  }
})
