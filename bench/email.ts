/**
 * E-mail benchmark. Four workspaces queue 10,000 notifications (2,500 each,
 * through the real enqueue path); the real worker (`startWorker`, default
 * concurrency and polling) sends them to the fake Resend, which enforces
 * Resend's default limit of 2 requests per second (429 + retry-after above
 * it). While the backlog drains, a new vendor signs up (its verification
 * e-mail) and a fifth workspace queues one notification.
 *  1. verification e-mail: time from sign-up to its arrival at Resend — target < 5 s;
 *  2. the fifth workspace's notification: time to arrival (fairness: seconds, not the backlog);
 *  3. all 10,000 notifications: time from worker start to the last one accepted — target < 60 s.
 * Also prints requests made, 429s received and duplicates (must be 0).
 * Run by hand: `pnpm --filter @accord/bench bench:email` (figures go in docs/benchmarks.md).
 */
import { enqueueEmail, signUpVendor } from '@accord/core'
import { withTenant } from '@accord/db'
import { createResendTransport } from '@accord/email'
import { startFakeResendServer } from '@accord/email/testing/fake-resend-server'
import { startWorker } from '@accord/worker/worker'
import { benchDeps, openBenchDatabase } from './database.js'

const WORKSPACES = 4
const PER_WORKSPACE = 2_500
const TOTAL = WORKSPACES * PER_WORKSPACE
const REQUESTS_PER_SECOND = 2
const GIVE_UP_SECONDS = 180

const { appUrl, owner, close: closeDatabase } = await openBenchDatabase('email')
const { deps, close: closeDeps } = await benchDeps(appUrl, 8)
const resend = await startFakeResendServer({ requestsPerSecond: REQUESTS_PER_SECOND })
const quiet = { info: () => undefined, warn: () => undefined, error: (message: string, fields?: object) => console.error(message, fields) }
const seconds = (from: number) => (performance.now() - from) / 1000

async function workspace(label: string): Promise<string> {
  const { rows } = await owner.query<{ id: string }>(`insert into tenants (slug, name) values ($1, $2) returning id`, [`bench-mail-${label}`, `Bench Mail ${label}`])
  return rows[0]!.id
}

function notification(index: number) {
  return {
    name: 'registration-update' as const,
    props: {
      brand: { name: 'Bench Partners', logoUrl: null, primaryColor: '#0f766e', supportEmail: 'partners@bench.example' },
      recipientName: `Partner ${index}`,
      caseReference: `R-${index}`,
      companyName: `Customer ${index}`,
      headline: `Approved: Customer ${index} (R-${index})`,
      paragraphs: ['Your registration is approved. The customer is protected for you for 90 days.'],
      facts: [{ label: 'Protected until', value: '1 March 2027' }],
      action: { url: `http://localhost:3001/t/bench/registrations/${index}`, label: 'Open the registration' },
      reason: 'You received this e-mail because you registered this customer.',
    },
  }
}

async function waitUntil(condition: () => boolean, timeoutSeconds: number): Promise<boolean> {
  const deadline = performance.now() + timeoutSeconds * 1000
  while (!condition()) {
    if (performance.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

let worker: Awaited<ReturnType<typeof startWorker>> | undefined
try {
  const tenants: string[] = []
  for (let index = 0; index < WORKSPACES; index += 1) tenants.push(await workspace(`w${index + 1}`))
  const latecomer = await workspace('late')
  const queueStart = performance.now()
  await Promise.all(
    tenants.map((tenantId, workspaceIndex) =>
      withTenant(deps.db, { tenantId }, async (trx) => {
        for (let index = 0; index < PER_WORKSPACE; index += 1) {
          await enqueueEmail(trx, deps, { tenantId, to: `partner${index}@w${workspaceIndex + 1}.bench.example`, template: notification(index) })
        }
      }),
    ),
  )
  console.log(`Queued ${TOTAL.toLocaleString('en')} notifications in ${WORKSPACES} workspaces in ${seconds(queueStart).toFixed(1)} s (not part of the measurement)`)

  const workerStart = performance.now()
  worker = await startWorker({ appDatabaseUrl: appUrl, transport: createResendTransport({ apiKey: resend.apiKey, baseUrl: resend.url, requestsPerSecond: REQUESTS_PER_SECOND }), log: quiet, schedules: false })
  const notificationsAccepted = () => resend.accepted.filter((email) => email.to[0]?.endsWith('.bench.example') && email.to[0].includes('@w')).length
  // Let the backlog get going before anything urgent arrives.
  await waitUntil(() => notificationsAccepted() >= 500, 60)

  const signUpAt = performance.now()
  await signUpVendor(deps, { companyName: 'Brand New Vendor', slug: 'bench-new-vendor', ownerName: 'Nora New', email: 'nora@new-vendor.example', password: 'a-long-bench-password-2026' })
  const lateAt = performance.now()
  await withTenant(deps.db, { tenantId: latecomer }, (trx) => enqueueEmail(trx, deps, { tenantId: latecomer, to: 'only-one@late.example', template: notification(0) }))

  const verified = await waitUntil(() => resend.accepted.some((email) => email.to[0] === 'nora@new-vendor.example'), GIVE_UP_SECONDS)
  const verificationSeconds = seconds(signUpAt)
  const lateArrived = await waitUntil(() => resend.accepted.some((email) => email.to[0] === 'only-one@late.example'), GIVE_UP_SECONDS)
  const lateSeconds = seconds(lateAt)
  const allArrived = await waitUntil(() => notificationsAccepted() >= TOTAL, GIVE_UP_SECONDS)
  const allSeconds = seconds(workerStart)
  const delivered = notificationsAccepted()

  const recipients = resend.accepted.map((email) => email.to.join(','))
  const duplicates = recipients.length - new Set(recipients).size
  const batchRequests = resend.requests.filter((request) => request.path === '/emails/batch').length
  const singleRequests = resend.requests.filter((request) => request.path === '/emails').length
  const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET')
  console.log(`\nWorker against the fake Resend at ${REQUESTS_PER_SECOND} requests/s (enforced):`)
  console.log(`  verification e-mail of a new vendor: ${verified ? `${verificationSeconds.toFixed(1)} s` : `not within ${GIVE_UP_SECONDS} s`} (target < 5 s) ${met(verified && verificationSeconds < 5)}`)
  console.log(`  another workspace's single notification: ${lateArrived ? `${lateSeconds.toFixed(1)} s` : `not within ${GIVE_UP_SECONDS} s`}`)
  console.log(
    `  all ${TOTAL.toLocaleString('en')} notifications: ${allArrived ? `${allSeconds.toFixed(1)} s` : `${delivered.toLocaleString('en')} delivered after ${allSeconds.toFixed(0)} s`} (target < 60 s) ${met(allArrived && allSeconds < 60)}`,
  )
  console.log(`  requests: ${batchRequests} batch + ${singleRequests} single; 429s: ${resend.rateLimited}; duplicates: ${duplicates}`)
} finally {
  await worker?.stop()
  await resend.close()
  await closeDeps()
  await closeDatabase()
}
