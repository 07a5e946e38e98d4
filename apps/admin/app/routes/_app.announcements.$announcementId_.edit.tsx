import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { useFocusOnErrors } from '~/components/forms'
import { AnnouncementForm } from '~/lib/announcements-form'
import { loadEditor, submitEditor } from '~/lib/announcements.server'
import { APP_NAME, errorTitle } from '~/lib/meta'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ data: loaded, error }) => [{ title: `${error || !loaded?.announcement ? errorTitle(error) : `Edit: ${loaded.announcement.title}`} · ${APP_NAME}` }]

export const loader = (args: LoaderFunctionArgs) => loadEditor(args)
// The editor shows its errors under 'announcement', whichever button sent it.
export const action = formAction((args: ActionFunctionArgs) => submitEditor(args), { intent: () => 'announcement' })

export default function EditAnnouncement() {
  const { tierOptions, partnerOptions, resourceOptions, announcement } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const failure = result && !result.ok ? result : null
  const formRef = useFocusOnErrors(failure)
  if (!announcement) return null
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/announcements">Announcements</Link> <span aria-hidden="true">/</span> <Link to={`/announcements/${announcement.id}`} className="wrap-anywhere">{announcement.title}</Link> <span aria-hidden="true">/</span> <span aria-current="page">Edit</span>
      </nav>
      <h1 id="announcement-editor-title">Edit announcement</h1>
      {announcement.status === 'scheduled' ? <p className="muted">This announcement is scheduled. Saving keeps the schedule; publish now or pick another time below.</p> : null}
      <AnnouncementForm announcement={announcement} failure={failure} tierOptions={tierOptions} partnerOptions={partnerOptions} resourceOptions={resourceOptions} formRef={formRef} titleId="announcement-editor-title" />
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/announcements', label: 'Back to announcements' }} />
}
