import { z } from 'zod'

/** Words that would collide with product routes, infrastructure names or be confusing as a workspace. */
export const RESERVED_SLUGS = new Set([
  'admin', 'administrator', 'api', 'app', 'apps', 'assets', 'auth', 'billing', 'blog', 'cdn', 'dashboard', 'dev', 'docs',
  'download', 'email', 'ftp', 'help', 'home', 'imap', 'invite', 'login', 'logout', 'mail', 'mx', 'new', 'partner',
  'partners', 'pop', 'portal', 'public', 'root', 'security', 'settings', 'signin', 'signup', 'smtp', 'static', 'status',
  'support', 'system', 'test', 'www', 'accord', 'brand', 'internal', 'staging', 'production', 'localhost', 'null', 'undefined',
])

export const workspaceSlug = z
  .string({ required_error: 'Choose a workspace address.' })
  .trim()
  .toLowerCase()
  .min(3, 'Use at least 3 characters.')
  .max(40, 'Use at most 40 characters.')
  .regex(/^[a-z0-9-]+$/, 'Use only lowercase letters, digits and hyphens.')
  .regex(/^[a-z0-9].*[a-z0-9]$/, 'Start and end with a letter or digit.')
  .refine((slug) => !slug.includes('--'), 'Avoid two hyphens in a row.')
  .refine((slug) => !RESERVED_SLUGS.has(slug), 'This address is reserved; choose another.')

export { suggestSlug } from './suggest-slug.js'
