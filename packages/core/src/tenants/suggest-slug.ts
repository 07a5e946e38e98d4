// No dependencies: the sign-up page runs this in the browser as the company name is typed.
/** A readable slug suggestion from a company name ("Müller & Co. GmbH" → "muller-co-gmbh"). */
export function suggestSlug(companyName: string): string {
  return companyName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '')
}
