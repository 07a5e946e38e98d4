import { randomBytes } from 'node:crypto'
import { type Database, isUuid, sql, withTenant } from '@accord/db'
import { type Adapter, type DatabaseSession, type DatabaseUser, Lucia, TimeSpan } from 'lucia'
import { authEnv } from './env.js'

/**
 * Database-backed sessions through Lucia v3, behind our own small interface
 * so Lucia (deprecated upstream) can be swapped without touching the apps.
 *
 * A session id is `<tenantId>.<secret>` and a user id `<tenantId>:<userId>`,
 * so every lookup knows its tenant and runs under row-level security.
 */
export interface SessionUser {
  id: string
  tenantId: string
  kind: 'staff' | 'partner'
  email: string
  name: string
  staffRole: string | null
  partnerId: string | null
  partnerRole: string | null
  emailVerified: boolean
}

export interface ValidatedSession {
  sessionId: string
  expiresAt: Date
  user: SessionUser
  /** Set-Cookie value to send when the session was extended (or must be cleared). */
  refreshedCookie: string | null
}

export interface SessionManager {
  cookieName: string
  create(input: { tenantId: string; userId: string; ip?: string | null; userAgent?: string | null; cookiePath?: string }): Promise<{ sessionId: string; cookie: string }>
  validate(sessionId: string, options?: { cookiePath?: string }): Promise<ValidatedSession | null>
  invalidate(sessionId: string): Promise<void>
  invalidateAllForUser(tenantId: string, userId: string): Promise<void>
  readSessionId(cookieHeader: string | null): string | null
  blankCookie(cookiePath?: string): string
}

export interface SessionManagerOptions {
  db: Database
  cookieName: string
  secureCookies: boolean
  /** Lucia extends sessions automatically when half of this has passed. */
  lifetimeDays?: number
  /**
   * Absolute lifetime in days from sign-in, per kind of user, however often
   * the sliding expiry was extended. Defaults from the auth env
   * (SESSION_MAX_AGE_DAYS_STAFF / SESSION_MAX_AGE_DAYS_PARTNER).
   */
  maxAgeDays?: { staff: number; partner: number }
  /** Clock for the absolute lifetime and the recorded sign-in time (tests inject one). */
  now?: () => Date
}

declare module 'lucia' {
  interface Register {
    DatabaseUserAttributes: Omit<SessionUser, 'id'>
    DatabaseSessionAttributes: { ip: string | null; userAgent: string | null }
  }
}

interface SessionRow {
  session_id: string
  expires_at: Date
  created_at: Date
  ip: string | null
  user_agent: string | null
  user_id: string
  tenant_id: string
  kind: string
  email: string
  name: string
  staff_role: string | null
  partner_id: string | null
  partner_role: string | null
  email_verified_at: Date | null
}

const tenantOfSession = (sessionId: string) => sessionId.split('.')[0] ?? ''
const splitUserId = (luciaUserId: string) => {
  const [tenantId = '', userId = ''] = luciaUserId.split(':')
  return { tenantId, userId }
}

interface AdapterOptions {
  db: Database
  maxAgeDays: { staff: number; partner: number }
  now: () => Date
}

const DAY_MS = 86_400_000

function createAdapter({ db, maxAgeDays, now }: AdapterOptions): Adapter {
  return {
    async getSessionAndUser(sessionId): Promise<[DatabaseSession | null, DatabaseUser | null]> {
      const tenantId = tenantOfSession(sessionId)
      if (!isUuid(tenantId)) return [null, null]
      // One statement (the function scopes itself to the tenant; RLS applies): this runs on every signed-in request.
      // It returns nothing for a deactivated user, so a deactivation takes effect on the very next request.
      const { rows } = await sql<SessionRow>`select * from session_with_user(${tenantId}::uuid, ${sessionId})`.execute(db)
      const row = rows[0]
      if (!row) return [null, null]
      // Absolute lifetime: the sliding expiry alone would keep a stolen, busy session alive for ever.
      const maxAge = (row.kind === 'partner' ? maxAgeDays.partner : maxAgeDays.staff) * DAY_MS
      if (row.created_at.getTime() + maxAge <= now().getTime()) {
        await withTenant(db, { tenantId }, (trx) => trx.deleteFrom('sessions').where('id', '=', sessionId).execute())
        return [null, null]
      }
      return [
        { id: row.session_id, userId: `${row.tenant_id}:${row.user_id}`, expiresAt: row.expires_at, attributes: { ip: row.ip, userAgent: row.user_agent } },
        {
          id: `${row.tenant_id}:${row.user_id}`,
          attributes: {
            tenantId: row.tenant_id,
            kind: row.kind as SessionUser['kind'],
            email: row.email,
            name: row.name,
            staffRole: row.staff_role,
            partnerId: row.partner_id,
            partnerRole: row.partner_role,
            emailVerified: row.email_verified_at !== null,
          },
        },
      ]
    },
    async getUserSessions(luciaUserId) {
      const { tenantId, userId } = splitUserId(luciaUserId)
      if (!isUuid(tenantId) || !isUuid(userId)) return []
      const rows = await withTenant(db, { tenantId }, (trx) => trx.selectFrom('sessions').selectAll().where('user_id', '=', userId).execute())
      return rows.map((row) => ({ id: row.id, userId: luciaUserId, expiresAt: row.expires_at, attributes: { ip: row.ip, userAgent: row.user_agent } }))
    },
    async setSession(session) {
      const { tenantId, userId } = splitUserId(session.userId)
      await withTenant(db, { tenantId }, (trx) =>
        trx
          .insertInto('sessions')
          .values({ tenant_id: tenantId, id: session.id, user_id: userId, expires_at: session.expiresAt, ip: session.attributes.ip, user_agent: session.attributes.userAgent, created_at: now() })
          .execute(),
      )
    },
    async updateSessionExpiration(sessionId, expiresAt) {
      const tenantId = tenantOfSession(sessionId)
      if (!isUuid(tenantId)) return
      await withTenant(db, { tenantId }, (trx) => trx.updateTable('sessions').set({ expires_at: expiresAt }).where('id', '=', sessionId).execute())
    },
    async deleteSession(sessionId) {
      const tenantId = tenantOfSession(sessionId)
      if (!isUuid(tenantId)) return
      await withTenant(db, { tenantId }, (trx) => trx.deleteFrom('sessions').where('id', '=', sessionId).execute())
    },
    async deleteUserSessions(luciaUserId) {
      const { tenantId, userId } = splitUserId(luciaUserId)
      if (!isUuid(tenantId)) return
      await withTenant(db, { tenantId }, (trx) => trx.deleteFrom('sessions').where('user_id', '=', userId).execute())
    },
    async deleteExpiredSessions() {
      // Expired sessions are removed per tenant by a maintenance job (RLS has no cross-tenant scope).
    },
  }
}

export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const env = options.maxAgeDays ? null : authEnv()
  const adapter = createAdapter({
    db: options.db,
    maxAgeDays: options.maxAgeDays ?? { staff: env?.SESSION_MAX_AGE_DAYS_STAFF ?? 30, partner: env?.SESSION_MAX_AGE_DAYS_PARTNER ?? 30 },
    now: options.now ?? (() => new Date()),
  })
  const luciaFor = (cookiePath = '/') =>
    new Lucia(adapter, {
      sessionExpiresIn: new TimeSpan(options.lifetimeDays ?? 30, 'd'),
      sessionCookie: { name: options.cookieName, expires: true, attributes: { secure: options.secureCookies, sameSite: 'lax', path: cookiePath } },
      getUserAttributes: (attributes) => attributes,
    })
  const defaultLucia = luciaFor('/')

  return {
    cookieName: options.cookieName,
    async create({ tenantId, userId, ip, userAgent, cookiePath }) {
      const lucia = luciaFor(cookiePath)
      const sessionId = `${tenantId}.${randomBytes(25).toString('base64url')}`
      const session = await lucia.createSession(`${tenantId}:${userId}`, { ip: ip ?? null, userAgent: userAgent?.slice(0, 400) ?? null }, { sessionId })
      return { sessionId: session.id, cookie: lucia.createSessionCookie(session.id).serialize() }
    },
    async validate(sessionId, validateOptions = {}) {
      const lucia = luciaFor(validateOptions.cookiePath)
      const { session, user } = await lucia.validateSession(sessionId)
      if (!session || !user) return null
      return {
        sessionId: session.id,
        expiresAt: session.expiresAt,
        user: { ...(user as unknown as Omit<SessionUser, 'id'>), id: splitUserId(user.id).userId },
        refreshedCookie: session.fresh ? lucia.createSessionCookie(session.id).serialize() : null,
      }
    },
    async invalidate(sessionId) {
      await defaultLucia.invalidateSession(sessionId)
    },
    async invalidateAllForUser(tenantId, userId) {
      await defaultLucia.invalidateUserSessions(`${tenantId}:${userId}`)
    },
    readSessionId(cookieHeader) {
      return defaultLucia.readSessionCookie(cookieHeader ?? '')
    },
    blankCookie(cookiePath) {
      return luciaFor(cookiePath).createBlankSessionCookie().serialize()
    },
  }
}
