/**
 * CRM sync benchmark (issue 4). One tenant with 10,000 approved deal
 * registrations is connected to the fake HubSpot, which enforces HubSpot's
 * private-app limit of 100 requests per rolling 10 s and answers 429 above it.
 *  1. Initial sync (push): total time against the floor the limit implies —
 *     the requests a sync of 10,000 deals in batches of 100 needs, at 100 per
 *     10 s. Target ≤ 1.3 × floor.
 *  2. Incremental pull of 10,000 deals changed in HubSpot (amount and close
 *     date on every deal).
 * Prints requests made, 429s received and duplicates (must be 0).
 * Run by hand: `pnpm --filter @accord/bench bench:crm` (figures go in docs/benchmarks.md).
 */
import { connectCrm, runCrmSync, type CoreContext } from '@accord/core'
import { startFakeHubspot } from '@accord/crm/testing/fake-hubspot'
import { benchDeps, openBenchDatabase } from './database.js'
import { allowLocalFakeServers, benchEnv } from './env.js'

const env = benchEnv()
allowLocalFakeServers()
const REGISTRATIONS = env.BENCH_CRM_REGISTRATIONS
const TOKEN = 'pat-bench-token-000000'
const LIMIT = { requests: 100, windowMs: 10_000 }

const { appUrl, owner, close: closeDatabase } = await openBenchDatabase('crm')

// Set-based seed as the owner: one vendor, 10 partners, 10,000 approved deal registrations with their built-in deals.
const seedStart = performance.now()
const { rows: seeded } = await owner.query<{ tenant_id: string; owner_id: string }>(`
  with tenant as (insert into tenants (id, slug, name) values (gen_random_uuid(), 'bench-crm', 'Bench CRM Vendor') returning id)
  insert into users (tenant_id, kind, email, name, staff_role, email_verified_at)
  select id, 'staff', 'owner@bench-crm.example', 'Bench Owner', 'owner', now() from tenant
  returning tenant_id, id as owner_id`)
const { tenant_id: tenantId, owner_id: ownerId } = seeded[0]!
await owner.query(`
  insert into partner_organisations (tenant_id, name, type, email_domains)
  select $1, 'Bench Partner ' || p, (array['reseller','referral','services'])[1 + p % 3], array['partner' || p || '.example'] from generate_series(1, 10) p;
  insert into accounts (tenant_id, name, company_key, domain)
  select $1, 'Customer ' || n, 'customer ' || n, 'customer-' || n || '.example' from generate_series(1, ${REGISTRATIONS}) n;
`.replaceAll('$1', `'${tenantId}'`))
await owner.query(`
  insert into registrations (tenant_id, case_number, kind, source, partner_id, submitter_email, account_id, company_name, company_key, domain, contact_name, contact_email,
    problem, stage_guess, consent_at, motion, status, partner_verdict, sla_due_at, decided_at, protection_starts_at, protection_ends_at, amount, currency, expected_close)
  select a.tenant_id, 1000 + row_number() over (order by a.name), 'deal', 'portal', p.id, 'rep@partner.example', a.id, a.name, a.company_key, a.domain,
    'Dana Buyer', 'dana@' || a.domain, 'Bench registration', 'active_project', now(), 'reseller', 'approved', 'clear', now() + interval '2 days',
    now() - interval '1 day', now() - interval '1 day', now() + interval '89 days', 25000, 'EUR', current_date + 60
  from accounts a
  cross join lateral (select id from partner_organisations po where po.tenant_id = a.tenant_id order by hashtext(po.id::text || a.id::text) limit 1) p
  where a.tenant_id = '${tenantId}';
  insert into registration_counters (tenant_id, last_number) select tenant_id, max(case_number) from registrations group by tenant_id;
  with created as (
    insert into deals (tenant_id, name, account_id, motion, stage, amount, currency, expected_close, registration_id, protection_ends_at)
    select tenant_id, company_name, account_id, motion, 'deal_registration', amount, currency, expected_close, id, protection_ends_at from registrations where tenant_id = '${tenantId}'
    returning tenant_id, id, registration_id)
  update registrations r set deal_id = created.id from created where r.tenant_id = created.tenant_id and r.id = created.registration_id;
  insert into deal_partners (tenant_id, deal_id, partner_id, attribution, percent)
  select r.tenant_id, r.deal_id, r.partner_id, 'sourced', 100 from registrations r where r.tenant_id = '${tenantId}';
  analyze;
`)
console.log(`Seeded ${REGISTRATIONS.toLocaleString('en')} approved deal registrations in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`)

const { deps, close: closeDeps } = await benchDeps(appUrl, 6)
const staff: CoreContext = { ...deps, actor: { kind: 'staff', tenantId, userId: ownerId, role: 'owner' } }
const hubspot = await startFakeHubspot({ accessToken: TOKEN, rateLimit: LIMIT })

try {
  const memoryBefore = process.memoryUsage().rss
  const connected = await connectCrm(staff, { credentials: { provider: 'hubspot', accessToken: TOKEN, baseUrl: hubspot.url }, attributionMode: 'company_association' })
  // connectCrm's own test call counts against the window too: start measuring after it.
  const requestsBefore = hubspot.requests
  const started = performance.now()
  const push = await runCrmSync(deps, { tenantId, trigger: 'initial', runId: connected.runId })
  const pushSeconds = (performance.now() - started) / 1000
  const pushRequests = hubspot.requests - requestsBefore
  const answered = pushRequests - push.rateLimited
  // The floor: the requests this sync needs (those HubSpot answered other than 429), paced at exactly 100 per 10 s.
  // The first 100 go out at once, so n requests need (ceil(n / 100) - 1) full windows.
  const floorSeconds = (Math.ceil(answered / LIMIT.requests) - 1) * (LIMIT.windowMs / 1000)
  const batches = Math.ceil(REGISTRATIONS / 100)
  console.log('\nInitial sync (push) of approved registrations to fake HubSpot (100 requests / 10 s):')
  console.log(`  registrations: ${REGISTRATIONS}, batches of 100: ${batches}, status: ${push.status}, created: ${push.created}, failed: ${push.failed}`)
  console.log(`  requests made: ${pushRequests} (${(answered / batches).toFixed(1)} per batch), 429s received: ${push.rateLimited}, client-side waiting: ${(push.rateLimitWaitMs / 1000).toFixed(1)} s`)
  console.log(`  time: ${pushSeconds.toFixed(1)} s; floor at 100 req / 10 s for ${answered} requests: ${floorSeconds.toFixed(1)} s; ratio ${(pushSeconds / floorSeconds).toFixed(2)} (target ≤ 1.30) ${pushSeconds <= 1.3 * floorSeconds ? 'MET' : 'NOT MET'}`)
  console.log(`  deals in HubSpot: ${hubspot.records('deals').length}, companies: ${hubspot.records('companies').length}, contacts: ${hubspot.records('contacts').length}, duplicates: ${hubspot.duplicates().length}`)

  // Every deal changed in HubSpot by its users: amount and close date.
  for (const deal of hubspot.records('deals')) hubspot.updateDeal(deal.id, { amount: '31000', closedate: '2027-06-30T00:00:00.000Z' })
  const pullRequestsBefore = hubspot.requests
  const pullStarted = performance.now()
  const pull = await runCrmSync(deps, { tenantId, trigger: 'scheduled' })
  const pullSeconds = (performance.now() - pullStarted) / 1000
  const { rows: updated } = await owner.query<{ count: string }>(`select count(*) from deals where tenant_id = '${tenantId}' and amount = 31000 and expected_close = '2027-06-30'`)
  console.log('\nIncremental pull of deals changed in HubSpot:')
  console.log(`  changed in HubSpot: ${hubspot.records('deals').length}, pulled: ${pull.pulled}, applied: ${pull.applied}, Accord deals now matching: ${updated[0]?.count}`)
  console.log(`  requests made: ${hubspot.requests - pullRequestsBefore}, 429s received: ${pull.rateLimited}, pushed back (echo, must be 0): ${pull.pushed}`)
  console.log(`  time: ${pullSeconds.toFixed(1)} s (${(Number(updated[0]?.count ?? 0) / pullSeconds).toFixed(0)} deals/s)`)
  console.log(`  duplicates in HubSpot: ${hubspot.duplicates().length}; worker RSS growth: ${((process.memoryUsage().rss - memoryBefore) / 1024 / 1024).toFixed(0)} MB`)
} finally {
  await hubspot.close()
  await closeDeps()
  await closeDatabase()
}
