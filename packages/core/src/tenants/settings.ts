import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { recordAudit } from '../audit/record-audit.js'
import type { CoreContext } from '../context.js'
import { portalBaseUrl } from '../context.js'
import { AppError } from '../errors.js'
import { inActorScope, requireStaff } from '../scope.js'
import { readProgrammeSettings } from '../settings.js'
import { hexColour, parseInput } from '../validation.js'
import { logoPath } from './lookup.js'

export async function getWorkspace(ctx: CoreContext) {
  requireStaff(ctx, 'workspace.view')
  const tenant = await inActorScope(ctx, (trx) => trx.selectFrom('tenants').selectAll().executeTakeFirst())
  if (!tenant) throw AppError.notFound('This workspace')
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    portalName: tenant.portal_name ?? `${tenant.name} Partner Portal`,
    portalNameIsDefault: tenant.portal_name === null,
    logoUrl: logoPath(tenant.slug, tenant.logo_key),
    primaryColor: tenant.primary_color,
    supportEmail: tenant.support_email,
    portalUrl: portalBaseUrl(ctx.portal, tenant.slug),
    settings: readProgrammeSettings(tenant.settings),
    createdAt: tenant.created_at,
  }
}

export const updateBrandingInput = z.object({
  portalName: z.string().trim().max(80, 'Keep the portal name under 80 characters.').optional().transform((value) => (value ? value : null)),
  primaryColor: hexColour,
  supportEmail: z
    .string()
    .trim()
    .max(254)
    .optional()
    .transform((value) => (value ? value.toLowerCase() : null))
    .refine((value) => value === null || z.string().email().safeParse(value).success, 'Enter a valid e-mail address, or leave it empty.'),
})

export async function updateBranding(ctx: CoreContext, rawInput: z.input<typeof updateBrandingInput>) {
  requireStaff(ctx, 'settings.manage')
  const input = parseInput(updateBrandingInput, rawInput)
  const actor = ctx.actor
  await inActorScope(ctx, async (trx) => {
    await trx
      .updateTable('tenants')
      .set({ portal_name: input.portalName, primary_color: input.primaryColor, support_email: input.supportEmail, updated_at: ctx.now() })
      .execute()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'branding.updated', targetType: 'tenant', targetId: actor.tenantId, details: input })
  })
  return getWorkspace(ctx)
}

export const MAX_LOGO_BYTES = 1024 * 1024

/** Image types we accept, recognised by their first bytes rather than the file name. */
function sniffImageType(bytes: Uint8Array): { contentType: string; extension: string } | null {
  const startsWith = (...signature: number[]) => signature.every((byte, index) => bytes[index] === byte)
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { contentType: 'image/png', extension: 'png' }
  if (startsWith(0xff, 0xd8, 0xff)) return { contentType: 'image/jpeg', extension: 'jpg' }
  if (startsWith(0x47, 0x49, 0x46, 0x38)) return { contentType: 'image/gif', extension: 'gif' }
  if (startsWith(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) {
    return { contentType: 'image/webp', extension: 'webp' }
  }
  return null
}

/** SVG is refused on purpose: it can carry scripts and is served from our origin. */
export async function setPortalLogo(ctx: CoreContext, input: { bytes: Uint8Array; fileName?: string }) {
  requireStaff(ctx, 'settings.manage')
  if (input.bytes.byteLength === 0) throw AppError.validation({ logo: ['Choose an image file.'] })
  if (input.bytes.byteLength > MAX_LOGO_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', 'The logo is larger than 1 MB.', { fieldErrors: { logo: ['The logo must be 1 MB or smaller.'] } })
  }
  const type = sniffImageType(input.bytes)
  if (!type) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported image type.', { fieldErrors: { logo: ['Use a PNG, JPEG, GIF or WebP image (SVG is not accepted).'] } })
  }
  const actor = ctx.actor
  const key = `tenants/${actor.tenantId}/logo-${randomBytes(8).toString('hex')}.${type.extension}`
  await ctx.storage.put(key, input.bytes, type.contentType)
  const previousKey = await inActorScope(ctx, async (trx) => {
    const previous = await trx.selectFrom('tenants').select('logo_key').executeTakeFirst()
    await trx.updateTable('tenants').set({ logo_key: key, updated_at: ctx.now() }).execute()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'branding.logo_changed', targetType: 'tenant', targetId: actor.tenantId, details: { fileName: input.fileName ?? null, bytes: input.bytes.byteLength } })
    return previous?.logo_key ?? null
  })
  if (previousKey) await ctx.storage.delete(previousKey)
  return getWorkspace(ctx)
}

export async function removePortalLogo(ctx: CoreContext) {
  requireStaff(ctx, 'settings.manage')
  const actor = ctx.actor
  const previousKey = await inActorScope(ctx, async (trx) => {
    const previous = await trx.selectFrom('tenants').select('logo_key').executeTakeFirst()
    await trx.updateTable('tenants').set({ logo_key: null, updated_at: ctx.now() }).execute()
    await recordAudit(trx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: 'branding.logo_removed', targetType: 'tenant', targetId: actor.tenantId })
    return previous?.logo_key ?? null
  })
  if (previousKey) await ctx.storage.delete(previousKey)
  return getWorkspace(ctx)
}
