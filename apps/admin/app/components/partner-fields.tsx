import { Field, SelectField } from '@accord/ui'
import { valueOf } from '~/components/forms'
import type { FormFailure } from '~/lib/forms'

export const PARTNER_FIELDS = ['name', 'type', 'tier', 'region', 'website', 'emailDomains'] as const

export interface PartnerFormValues {
  name: string
  type: string
  region: string | null
  website: string | null
  emailDomains: string[]
  tier?: string
}

/** The fields of a partner organisation, for the create and edit forms. */
export function PartnerFields({ failure, saved, typeOptions, tierOptions }: { failure: FormFailure | null; saved?: PartnerFormValues; typeOptions: Array<{ value: string; label: string }>; tierOptions: Array<{ value: string; label: string }> }) {
  return (
    <>
      <Field label="Name" name="name" required maxLength={120} autoComplete="off" defaultValue={valueOf(failure, 'name', saved?.name)} errors={failure?.fieldErrors.name} />
      <div className="grid-2">
        <SelectField label="Partner type" name="type" required placeholder="Choose a type…" options={typeOptions} defaultValue={valueOf(failure, 'type', saved?.type)} errors={failure?.fieldErrors.type} />
        <SelectField label="Tier" name="tier" required options={tierOptions} defaultValue={valueOf(failure, 'tier', saved?.tier ?? tierOptions[0]?.value)} errors={failure?.fieldErrors.tier} hint="Decides “tier priority” when claims conflict." />
      </div>
      <div className="grid-2">
        <Field label="Region" name="region" maxLength={80} placeholder="e.g. DACH, UK & Ireland" defaultValue={valueOf(failure, 'region', saved?.region)} errors={failure?.fieldErrors.region} />
        <Field label="Website" name="website" type="url" inputMode="url" maxLength={300} placeholder="https://partner.com" defaultValue={valueOf(failure, 'website', saved?.website)} errors={failure?.fieldErrors.website} />
      </div>
      <Field
        label="E-mail domains"
        name="emailDomains"
        maxLength={2000}
        placeholder="partner.com, partner.de"
        hint="Separate several domains with commas or spaces. People with these addresses are recognised as this partner."
        defaultValue={valueOf(failure, 'emailDomains', saved?.emailDomains.join(', '))}
        errors={failure?.fieldErrors.emailDomains}
      />
    </>
  )
}
