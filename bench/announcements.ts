/**
 * Announcement benchmark (issue 5). One tenant with 50,000 partner users
 * (500 organisations × 100 users):
 *  1. fan-out of one announcement to all of them on the portal and by e-mail
 *     (receipts, one rendered e-mail personalised per recipient into the
 *     outbox as bulk mail, one email.batch job for the workspace) — target < 60 s;
 *  2. receipt ingestion: e-mail opens (the tracking pixel) and
 *     acknowledgements (the e-mail link) arriving 20 at a time — target
 *     ≥ 1,000 per second.
 * Run by hand: `pnpm --filter @accord/bench bench:announcements` (figures in docs/benchmarks.md).
 */
import { acknowledgeAnnouncementByLink, type CoreContext, publishAnnouncement, recordAnnouncementEmailOpen, runAnnouncementFanout, saveAnnouncementDraft } from '@accord/core'
import { benchDeps, openBenchDatabase } from './database.js'
import { benchEnv } from './env.js'

const env = benchEnv()
const ORGANISATIONS = 500
const USERS_PER_ORGANISATION = 100

const { appUrl, owner, close: closeDatabase } = await openBenchDatabase('ann')

const seedStart = performance.now()
const { rows: seeded } = await owner.query<{ tenant_id: string; owner_id: string }>(`
  with tenant as (insert into tenants (id, slug, name) values (gen_random_uuid(), 'bench-announce', 'Bench Announcing Vendor') returning id)
  insert into users (tenant_id, kind, email, name, staff_role, email_verified_at)
  select id, 'staff', 'owner@bench-announce.example', 'Bench Owner', 'owner', now() from tenant
  returning tenant_id, id as owner_id`)
const { tenant_id: tenantId, owner_id: ownerId } = seeded[0]!
await owner.query(`
  insert into partner_organisations (tenant_id, name, type, tier)
  select '${tenantId}', 'Partner ' || n, (array['reseller','referral','services'])[1 + n % 3], 'Registered' from generate_series(1, ${ORGANISATIONS}) n;
  insert into users (tenant_id, kind, email, name, partner_id, partner_role, email_verified_at)
  select p.tenant_id, 'partner', lower('user' || u || '.' || replace(p.name, ' ', '') || '@partners.example'), 'User ' || u || ' of ' || p.name, p.id, 'sales', now()
  from partner_organisations p cross join generate_series(1, ${USERS_PER_ORGANISATION}) u where p.tenant_id = '${tenantId}';
  analyze;
`)
console.log(`Seeded ${(ORGANISATIONS * USERS_PER_ORGANISATION).toLocaleString('en')} partner users in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`)

const { deps, close: closeDeps } = await benchDeps(appUrl, 24)
const staff: CoreContext = { ...deps, actor: { kind: 'staff', tenantId, userId: ownerId, role: 'owner' } }

try {
  const { announcementId } = await saveAnnouncementDraft(staff, {
    title: 'New partner programme terms for 2027',
    bodyHtml: '<h2>What changes</h2><p>Protection windows grow to <strong>90 days</strong>; see the programme rules in the portal.</p><ul><li>Deal registration</li><li>Co-selling</li></ul>',
    channels: ['portal', 'email'],
    ackRequired: true,
    ackDueAt: new Date(Date.now() + 14 * 86_400_000),
  })
  await publishAnnouncement(staff, { announcementId })
  const rssBefore = process.memoryUsage().rss
  const fanoutStart = performance.now()
  const fanout = await runAnnouncementFanout(deps, { tenantId, announcementId })
  const fanoutSeconds = (performance.now() - fanoutStart) / 1000
  const { rows: counts } = await owner.query<{ receipts: string; outbox: string; jobs: string }>(`
    select (select count(*) from announcement_receipts where announcement_id = '${announcementId}') as receipts,
           (select count(*) from email_outbox where tenant_id = '${tenantId}' and template = 'announcement') as outbox,
           (select count(*) from pgboss.job where name = 'email.batch' and data->>'tenantId' = '${tenantId}') as jobs`)
  console.log('\nFan-out of one announcement (portal + e-mail):')
  console.log(`  recipients: ${fanout.recipients.toLocaleString('en')}, e-mails queued: ${fanout.emails.toLocaleString('en')}; in the database: ${counts[0]?.receipts} receipts, ${counts[0]?.outbox} outbox rows, ${counts[0]?.jobs} email.batch job(s)`)
  console.log(`  time: ${fanoutSeconds.toFixed(1)} s (target < 60 s) ${fanoutSeconds < 60 ? 'MET' : 'NOT MET'}; RSS growth ${((process.memoryUsage().rss - rssBefore) / 1024 / 1024).toFixed(0)} MB`)
  const again = await runAnnouncementFanout(deps, { tenantId, announcementId })
  console.log(`  the job run again: ${again.recipients} new receipts, ${again.emails} e-mails (must be 0 and 0)`)

  // The links as the e-mails carry them.
  const { rows: links } = await owner.query<{ token: string }>(`
    select substring(html from 'announcements/acknowledge/([A-Za-z0-9._-]+)') as token from email_outbox where tenant_id = '${tenantId}' and template = 'announcement' limit 20000`)
  const tokens = links.map((row) => row.token)
  async function ingest(label: string, work: (token: string) => Promise<unknown>, sample: string[]) {
    let next = 0
    const started = performance.now()
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < sample.length) {
          const token = sample[next++] as string
          await work(token)
        }
      }),
    )
    const seconds = (performance.now() - started) / 1000
    const perSecond = sample.length / seconds
    console.log(`  ${label}: ${sample.length.toLocaleString('en')} in ${seconds.toFixed(1)} s = ${perSecond.toFixed(0)} per second (target ≥ 1,000) ${perSecond >= 1000 ? 'MET' : 'NOT MET'}`)
  }
  console.log('\nReceipt ingestion, 20 concurrent:')
  await ingest('e-mail opens (pixel)', (token) => recordAnnouncementEmailOpen(deps, { token }), tokens.slice(0, 10_000))
  await ingest('acknowledgements (e-mail link)', (token) => acknowledgeAnnouncementByLink(deps, { token }), tokens.slice(10_000, 20_000))
  const { rows: receipts } = await owner.query<{ opened: string; acknowledged: string }>(`
    select count(*) filter (where opened_at is not null) as opened, count(*) filter (where acknowledged_at is not null) as acknowledged from announcement_receipts where announcement_id = '${announcementId}'`)
  console.log(`  recorded: ${receipts[0]?.opened} opened, ${receipts[0]?.acknowledged} acknowledged`)
} finally {
  await closeDeps()
  await closeDatabase()
}
