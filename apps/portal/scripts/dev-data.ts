/**
 * Throwaway local data for trying the portal by hand (not used by tests):
 *   DATABASE_URL=postgres://… tsx scripts/dev-data.ts
 * Two vendors (northwind: teal, logo; fabrikam: amber, no logo), one partner
 * organisation each, and pending partner invitations (links in email_outbox).
 */
import { createPartner, findTenantBySlug, invitePartnerUser, setPortalLogo, signUpVendor, updateBranding, type CoreContext } from '@accord/core'
import { createRuntimeDeps } from '@accord/core/runtime'
import { deflateSync } from 'node:zlib'

const deps = await createRuntimeDeps()

/** A small solid-colour PNG, so the logo route has something to serve. */
function pngOf(width: number, height: number, [r, g, b]: [number, number, number]): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff
    for (const byte of bytes) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const check = Buffer.alloc(4)
    check.writeUInt32BE(crc(body))
    return Buffer.concat([length, body, check])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8
  header[9] = 2
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const offset = y * (width * 3 + 1) + 1 + x * 3
      const stripe = (x + y) % 24 < 12
      rows[offset] = stripe ? r : 255
      rows[offset + 1] = stripe ? g : 255
      rows[offset + 2] = stripe ? b : 255
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))])
}

async function vendor(input: { slug: string; company: string; colour: string; supportEmail: string | null; portalName?: string; logo?: [number, number, number] }) {
  const existing = await findTenantBySlug(deps.db, input.slug)
  if (existing) {
    console.log(`${input.slug}: exists`)
    return null
  }
  const { tenantId, userId } = await signUpVendor(deps, { companyName: input.company, slug: input.slug, ownerName: `${input.company} Owner`, email: `owner@${input.slug}.example`, password: 'owner-password-2026' })
  const staff: CoreContext = { ...deps, actor: { kind: 'staff', tenantId, userId, role: 'owner' } }
  await updateBranding(staff, { primaryColor: input.colour, supportEmail: input.supportEmail ?? undefined, portalName: input.portalName })
  if (input.logo) await setPortalLogo(staff, { bytes: pngOf(96, 32, input.logo), fileName: 'logo.png' })
  return { tenantId, staff }
}

const northwind = await vendor({ slug: 'northwind', company: 'Northwind Software', colour: '#0f766e', supportEmail: 'partners@northwind.example', logo: [15, 118, 110] })
if (northwind) {
  const partner = await createPartner(northwind.staff, { name: 'Contoso Resellers', type: 'reseller', region: 'DACH' })
  await invitePartnerUser(northwind.staff, { partnerId: partner.id, email: 'anna@contoso.example', name: 'Anna Seller', role: 'sales' })
  await invitePartnerUser(northwind.staff, { partnerId: partner.id, email: 'ben@contoso.example', role: 'partner_admin' })
  console.log('northwind: invited anna@ and ben@contoso.example (links are in email_outbox; read it as the database owner)')
}
const fabrikam = await vendor({ slug: 'fabrikam', company: 'Fabrikam Cloud', colour: '#f59e0b', supportEmail: null, portalName: 'Fabrikam Partner Hub' })
if (fabrikam) {
  const partner = await createPartner(fabrikam.staff, { name: 'Adatum Consulting', type: 'services', region: 'Nordics' })
  await invitePartnerUser(fabrikam.staff, { partnerId: partner.id, email: 'chloe@adatum.example', name: 'Chloe Consultant', role: 'finance' })
}
await deps.close()
