import { parse } from 'tldts'

/**
 * Normalisation behind duplicate and conflict checks (issue 3): two partners
 * registering "https://www.Acme.com/about" and "sales@acme.com", or
 * "ACME Inc." and "Acme Incorporated", are registering the same customer.
 */

/** Mailbox providers: an address there says nothing about the customer's company. */
export const FREE_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'hotmail.co.uk', 'hotmail.de', 'live.com', 'msn.com',
  'yahoo.com', 'yahoo.co.uk', 'yahoo.de', 'yahoo.fr', 'ymail.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com',
  'gmx.de', 'gmx.net', 'gmx.at', 'gmx.ch', 'web.de', 't-online.de', 'freenet.de', 'posteo.de', 'mailbox.org',
  'proton.me', 'protonmail.com', 'pm.me', 'tutanota.com', 'tuta.io', 'zoho.com', 'yandex.com', 'yandex.ru',
  'mail.ru', 'qq.com', '163.com', '126.com', 'orange.fr', 'free.fr', 'laposte.net', 'libero.it', 'seznam.cz',
  'wp.pl', 'o2.pl', 'fastmail.com', 'hey.com', 'duck.com',
])

export type DomainResult =
  | { ok: true; domain: string }
  | { ok: false; reason: 'empty' | 'invalid' | 'free_mail' | 'ip_address' }

/**
 * The registrable domain ("eTLD+1") of a URL, host, or e-mail address:
 * `https://www.shop.acme.co.uk/x` → `acme.co.uk`; `Jane@Sales.Acme.com` → `acme.com`.
 * Free-mail domains never count as a company's domain.
 */
export function registrableDomain(input: string): DomainResult {
  const trimmed = input.trim().toLowerCase()
  if (!trimmed) return { ok: false, reason: 'empty' }
  const host = trimmed.includes('@') && !trimmed.includes('://') ? trimmed.slice(trimmed.lastIndexOf('@') + 1) : trimmed
  const parsed = parse(host.includes('://') ? host : `http://${host}`, { allowPrivateDomains: false })
  if (parsed.isIp) return { ok: false, reason: 'ip_address' }
  if (!parsed.domain || !parsed.isIcann) return { ok: false, reason: 'invalid' }
  const domain = parsed.domain.normalize('NFC')
  if (FREE_MAIL_DOMAINS.has(domain)) return { ok: false, reason: 'free_mail' }
  return { ok: true, domain }
}

/**
 * Legal-form suffixes, longest first, compared after punctuation is removed.
 * Kept to forms that are never a distinguishing part of a name.
 */
const LEGAL_SUFFIXES = [
  'gmbh co kg', 'gmbh co kgaa', 'ag co kg', 'se co kg', 'incorporated', 'corporation', 'limited', 'company',
  'gmbh', 'mbh', 'ug haftungsbeschrankt', 'ug', 'ag', 'kg', 'kgaa', 'ohg', 'gbr', 'ev', 'se', 'inc', 'corp', 'co',
  'llc', 'llp', 'lp', 'ltd', 'plc', 'pty ltd', 'pty', 'sa', 'sas', 'sarl', 'srl', 'spa', 'sl', 'bv', 'nv',
  'ab', 'as', 'asa', 'oy', 'oyj', 'aps', 'kk', 'sp z oo', 'sro', 'doo', 'zrt', 'kft',
].sort((left, right) => right.length - left.length)

/**
 * A company name reduced to what identifies it: case, diacritics, punctuation,
 * "&"/"and", a leading "the" and trailing legal forms removed.
 * "ACME Inc." / "Acme, Incorporated" / "Acmé" → "acme".
 */
export function normaliseCompanyName(name: string): string {
  let normalised = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    // Dotted initials become one word: "S.A." → "sa", "J.P." → "jp".
    .split(/\s+/)
    .map((word) => (/^(\p{L}\.)+\p{L}?\.?,?$/u.test(word) ? word.replace(/\./g, '') : word))
    .join(' ')
    .replace(/&/g, ' and ')
    .replace(/['’`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/^the\s+/, '')
  for (let changed = true; changed; ) {
    changed = false
    if (normalised.endsWith(' and')) {
      normalised = normalised.slice(0, -4).trim()
      changed = true
    }
    for (const suffix of LEGAL_SUFFIXES) {
      if (normalised.endsWith(` ${suffix}`) && normalised.length > suffix.length + 1) {
        normalised = normalised.slice(0, -suffix.length - 1).trim()
        changed = true
      }
    }
  }
  return normalised.replace(/\s+/g, ' ').trim()
}
