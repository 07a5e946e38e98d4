import { PARTNER_TYPES, partnerTypeLabels } from '@accord/core'
import { SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { FormError, useFocusOnErrors, useSubmitting } from '~/components/forms'
import { PARTNER_FIELDS, PartnerFields } from '~/components/partner-fields'
import { formValues } from '~/lib/forms'
import { pageMeta } from '~/lib/meta'
import { actionFailure } from '~/server/action-result.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Add a partner')

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, headers } = await requireStaff(request, context, 'partners.manage')
  return data({ typeOptions: PARTNER_TYPES.map((type) => ({ value: type, label: partnerTypeLabels[type] })), tierOptions: (await caller.admin.workspace.get()).settings.tiers.map((tier) => ({ value: tier.name, label: `${tier.name} (${tier.commissionRatePercent} %)` })) }, { headers })
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'partners.manage')
  const values = formValues(await request.formData(), PARTNER_FIELDS)
  try {
    const partner = await caller.admin.partners.create(values)
    return redirect(`/partners/${partner.id}?notice=partner-created`)
  } catch (error) {
    return actionFailure(error, { fields: PARTNER_FIELDS, values })
  }
})

export default function NewPartner() {
  const { typeOptions, tierOptions } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = result && !result.ok ? result : null
  const formRef = useFocusOnErrors(failure)
  const submitting = useSubmitting()
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/partners">Partners</Link> <span aria-hidden="true">/</span> <span aria-current="page">New</span>
      </nav>
      <h1 id="new-partner-title">Add a partner</h1>
      <p className="muted">Create the partner organisation first; you can invite its people on the next page.</p>
      <Form method="post" className="card stack form-card" noValidate ref={formRef} aria-labelledby="new-partner-title">
        <FormError failure={failure} />
        <PartnerFields failure={failure} typeOptions={typeOptions} tierOptions={tierOptions} />
        <div className="row">
          <SubmitButton pending={submitting} pendingLabel="Creating…">
            Create partner
          </SubmitButton>
          <Link to="/partners" className="button secondary">
            Cancel
          </Link>
        </div>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}
