import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useActionData } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { useFocusOnErrors } from '~/components/forms'
import { pageMeta } from '~/lib/meta'
import { RULES_PATH } from '~/lib/programme-pages'
import { ProgrammePageForm } from '~/lib/programme-pages-form'
import { submitProgrammePageForm } from '~/lib/programme-pages.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('New programme page')

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { headers } = await requireStaff(request, context, 'programme.manage')
  return data({}, { headers })
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'programme.manage')
  return submitProgrammePageForm(caller, await request.formData(), undefined)
}, { intent: () => 'page' })

export default function NewProgrammePage() {
  const result = useActionData<typeof action>()
  const failure = result && !result.ok ? result : null
  const formRef = useFocusOnErrors(failure)
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/resources">Resources</Link> <span aria-hidden="true">/</span> <Link to={RULES_PATH}>Programme rules</Link> <span aria-hidden="true">/</span> <span aria-current="page">New page</span>
      </nav>
      <h1 id="programme-page-editor-title">New programme page</h1>
      <p className="muted">Write it as a draft; partners see it in the portal once you publish it.</p>
      <ProgrammePageForm page={null} failure={failure} formRef={formRef} titleId="programme-page-editor-title" cancelHref={RULES_PATH} />
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: RULES_PATH, label: 'Back to programme rules' }} />
}
