import { sql } from '@accord/db'
import { z } from 'zod'
import type { CoreContext } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requireStaff } from '../scope.js'
import { parseInput, uuid } from '../validation.js'
import { DAY_MS, WEEK_MS, weekOfCreatedAt, weekStartUtc } from '../weeks.js'

/**
 * Partner engagement (issue 5) for the partner's admin page: portal
 * sign-ins (from the append-only `portal_sign_ins`) and announcement
 * receipts, per organisation and per user, over the last `days` days.
 *
 * - Announcement counts cover receipts created in the period (the fan-out
 *   time); "overdue" is the current state: receipts of published
 *   announcements that require acknowledgement, past their due date, not yet
 *   acknowledged — whenever they were received.
 * - "Last sign-in" is all-time: the latest recorded sign-in, or the user's
 *   `last_login_at` for sign-ins from before sign-ins were recorded.
 * - Weeks start on Monday, in UTC; the first week may be partial.
 * - Resource views count detail-page views and link opens; downloads count
 *   file downloads (both deduplicated per user when repeated within minutes).
 */

export const partnerEngagementInput = z.object({
  partnerId: uuid,
  days: z.coerce.number().int().min(7).max(365).default(90),
})

export interface PartnerEngagementUser {
  userId: string
  name: string
  email: string
  role: string | null
  status: string
  lastSignInAt: Date | null
  signIns: number
  announcementsReceived: number
  announcementsOpened: number
  announcementsAcknowledged: number
  acknowledgementsOverdue: number
  resourceViews: number
  resourceDownloads: number
}

export interface PartnerEngagement {
  partnerId: string
  days: number
  since: Date
  totals: {
    users: number
    signIns: number
    usersSignedIn: number
    lastSignInAt: Date | null
    announcementsReceived: number
    announcementsOpened: number
    announcementsAcknowledged: number
    acknowledgementsOverdue: number
    resourceViews: number
    resourceDownloads: number
    resourcesUsed: number
    /** Published programme rules pages someone of the organisation has opened (all time), of how many. */
    rulesPagesRead: number
    rulesPagesPublished: number
  }
  users: PartnerEngagementUser[]
  /** One entry per week (Monday, `YYYY-MM-DD`, UTC) from the week of `since` to this week, zeros included. */
  weeklyActivity: Array<{ weekStart: string; signIns: number; resourceViews: number; resourceDownloads: number }>
}

function later(a: Date | null, b: Date | null): Date | null {
  if (!a) return b
  if (!b) return a
  return a.getTime() >= b.getTime() ? a : b
}

export async function getPartnerEngagement(ctx: CoreContext, rawInput: z.input<typeof partnerEngagementInput>): Promise<PartnerEngagement> {
  requireStaff(ctx, 'partners.view')
  const input = parseInput(partnerEngagementInput, rawInput)
  const now = ctx.now()
  const since = new Date(now.getTime() - input.days * DAY_MS)
  return inActorScope(ctx, async (trx) => {
    const partner = await trx.selectFrom('partner_organisations').select('id').where('id', '=', input.partnerId).executeTakeFirst()
    if (!partner) throw AppError.notFound('This partner organisation')

    const people = await trx
      .selectFrom('users')
      .select(['id', 'name', 'email', 'partner_role', 'status', 'last_login_at'])
      .where('kind', '=', 'partner')
      .where('partner_id', '=', input.partnerId)
      .orderBy('name')
      .execute()

    const signIns = await trx
      .selectFrom('portal_sign_ins')
      .select(['user_id', sql<number>`count(*) filter (where created_at >= ${since})::int`.as('in_period'), sql<Date>`max(created_at)`.as('last_at')])
      .where('partner_id', '=', input.partnerId)
      .groupBy('user_id')
      .execute()

    const receipts = await trx
      .selectFrom('announcement_receipts as r')
      .innerJoin('announcements as a', (join) => join.onRef('a.tenant_id', '=', 'r.tenant_id').onRef('a.id', '=', 'r.announcement_id'))
      .select([
        'r.user_id',
        sql<number>`count(*) filter (where r.created_at >= ${since})::int`.as('received'),
        sql<number>`count(*) filter (where r.created_at >= ${since} and r.opened_at is not null)::int`.as('opened'),
        sql<number>`count(*) filter (where r.created_at >= ${since} and r.acknowledged_at is not null)::int`.as('acknowledged'),
        sql<number>`count(*) filter (where a.status = 'published' and a.ack_required and a.ack_due_at < ${now} and r.acknowledged_at is null)::int`.as('overdue'),
      ])
      .where('r.partner_id', '=', input.partnerId)
      .groupBy('r.user_id')
      .execute()

    const resourceUse = await trx
      .selectFrom('resource_events')
      .select([
        'user_id',
        sql<number>`count(*) filter (where kind in ('view', 'open_link'))::int`.as('views'),
        sql<number>`count(*) filter (where kind = 'download')::int`.as('downloads'),
        sql<string[]>`array_agg(distinct resource_id)`.as('resource_ids'),
      ])
      .where('partner_id', '=', input.partnerId)
      .where('created_at', '>=', since)
      .groupBy('user_id')
      .execute()

    const rules = await trx
      .selectFrom('programme_pages as page')
      .select([
        sql<number>`count(*)::int`.as('published'),
        sql<number>`count(*) filter (where exists (select 1 from programme_page_reads r where r.tenant_id = page.tenant_id and r.page_id = page.id and r.partner_id = ${input.partnerId}))::int`.as('read'),
      ])
      .where('page.status', '=', 'published')
      .executeTakeFirstOrThrow()

    const week = weekOfCreatedAt
    const weeklySignInRows = await trx
      .selectFrom('portal_sign_ins')
      .select([week.as('week'), sql<number>`count(*)::int`.as('sign_ins')])
      .where('partner_id', '=', input.partnerId)
      .where('created_at', '>=', since)
      .groupBy(sql`1`)
      .execute()
    const weeklyResourceRows = await trx
      .selectFrom('resource_events')
      .select([week.as('week'), sql<number>`count(*) filter (where kind in ('view', 'open_link'))::int`.as('views'), sql<number>`count(*) filter (where kind = 'download')::int`.as('downloads')])
      .where('partner_id', '=', input.partnerId)
      .where('created_at', '>=', since)
      .groupBy(sql`1`)
      .execute()

    const signInsByUser = new Map(signIns.map((row) => [row.user_id, row]))
    const receiptsByUser = new Map(receipts.map((row) => [row.user_id, row]))
    const resourcesByUser = new Map(resourceUse.map((row) => [row.user_id, row]))
    const users: PartnerEngagementUser[] = people
      .map((person) => {
        const signedIn = signInsByUser.get(person.id)
        const received = receiptsByUser.get(person.id)
        const used = resourcesByUser.get(person.id)
        return {
          userId: person.id,
          name: person.name,
          email: person.email,
          role: person.partner_role,
          status: person.status,
          lastSignInAt: later(signedIn?.last_at ?? null, person.last_login_at),
          signIns: signedIn?.in_period ?? 0,
          announcementsReceived: received?.received ?? 0,
          announcementsOpened: received?.opened ?? 0,
          announcementsAcknowledged: received?.acknowledged ?? 0,
          acknowledgementsOverdue: received?.overdue ?? 0,
          resourceViews: used?.views ?? 0,
          resourceDownloads: used?.downloads ?? 0,
        }
      })
      // Most recently active first; never signed in last, by name.
      .sort((a, b) => (b.lastSignInAt?.getTime() ?? -1) - (a.lastSignInAt?.getTime() ?? -1) || a.name.localeCompare(b.name))

    const signInsByWeek = new Map(weeklySignInRows.map((row) => [row.week, row.sign_ins]))
    const resourcesByWeek = new Map(weeklyResourceRows.map((row) => [row.week, row]))
    const weeklyActivity: PartnerEngagement['weeklyActivity'] = []
    for (let monday = weekStartUtc(since); monday.getTime() <= now.getTime(); monday = new Date(monday.getTime() + WEEK_MS)) {
      const key = monday.toISOString().slice(0, 10)
      const resources = resourcesByWeek.get(key)
      weeklyActivity.push({ weekStart: key, signIns: signInsByWeek.get(key) ?? 0, resourceViews: resources?.views ?? 0, resourceDownloads: resources?.downloads ?? 0 })
    }

    const sum = (pick: (user: PartnerEngagementUser) => number) => users.reduce((total, user) => total + pick(user), 0)
    return {
      partnerId: input.partnerId,
      days: input.days,
      since,
      totals: {
        users: users.length,
        signIns: sum((user) => user.signIns),
        usersSignedIn: users.filter((user) => user.signIns > 0).length,
        lastSignInAt: users.reduce<Date | null>((latest, user) => later(latest, user.lastSignInAt), null),
        announcementsReceived: sum((user) => user.announcementsReceived),
        announcementsOpened: sum((user) => user.announcementsOpened),
        announcementsAcknowledged: sum((user) => user.announcementsAcknowledged),
        acknowledgementsOverdue: sum((user) => user.acknowledgementsOverdue),
        resourceViews: sum((user) => user.resourceViews),
        resourceDownloads: sum((user) => user.resourceDownloads),
        resourcesUsed: new Set(resourceUse.flatMap((row) => row.resource_ids)).size,
        rulesPagesRead: rules.read,
        rulesPagesPublished: rules.published,
      },
      users,
      weeklyActivity,
    }
  })
}
