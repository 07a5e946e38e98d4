import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { useFocusOnErrors } from '~/components/forms'
import { AnnouncementForm } from '~/lib/announcements-form'
import { loadEditor, submitEditor } from '~/lib/announcements.server'
import { pageMeta } from '~/lib/meta'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('New announcement')

export const loader = (args: LoaderFunctionArgs) => loadEditor(args)
// The editor shows its errors under 'announcement', whichever button sent it.
export const action = formAction((args: ActionFunctionArgs) => submitEditor(args), { intent: () => 'announcement' })

export default function NewAnnouncement() {
  const { tierOptions, partnerOptions, resourceOptions } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = result && !result.ok ? result : null
  const formRef = useFocusOnErrors(failure)
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/announcements">Announcements</Link> <span aria-hidden="true">/</span> <span aria-current="page">New</span>
      </nav>
      <h1 id="announcement-editor-title">New announcement</h1>
      <p className="muted">Write it once; partners get it in the portal, by e-mail or in Slack. Save a draft at any time.</p>
      <AnnouncementForm announcement={null} failure={failure} tierOptions={tierOptions} partnerOptions={partnerOptions} resourceOptions={resourceOptions} formRef={formRef} titleId="announcement-editor-title" />
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/announcements', label: 'Back to announcements' }} />
}
