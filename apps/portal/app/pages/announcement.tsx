import { Alert, Badge, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useEffect, useRef } from 'react'
import { isFormFailure, useSubmitting } from '~/lib/forms'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatDay, isoOf } from '~/lib/registrations'
import { formFailure, rethrowAsNotFound } from '~/server/errors.server'
import { requirePartner } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => [{ title: portalTitle(matches, data ? data.announcement.title : 'Announcement') }]

/** Reading it here counts as opened (the first time). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  const announcement = await caller.portal.announcements.open({ announcementId: params.announcementId ?? '' }).catch(rethrowAsNotFound(headers))
  return json({ announcement }, { headers })
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller, headers } = await requirePartner(request, context, params)
  try {
    const result = await caller.portal.announcements.acknowledge({ announcementId: params.announcementId ?? '' })
    return json({ ok: true as const, already: result.already }, { headers })
  } catch (error) {
    return formFailure(error, { fields: [] })
  }
})

export default function Announcement() {
  const { announcement } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const href = usePortalHref()
  const sending = useSubmitting()
  const failure = isFormFailure(result) ? result : null
  const confirmed = result && !isFormFailure(result) ? result : null
  const confirmRef = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (confirmed) confirmRef.current?.focus()
  }, [confirmed])
  const overdue = announcement.ack_due_at && !announcement.acknowledged_at && new Date(announcement.ack_due_at).getTime() < Date.now()

  return (
    <main id="main" tabIndex={-1} className="content announcement-page">
      <p className="breadcrumb">
        <Link to={href('/announcements')}>Announcements</Link>
      </p>
      <article className="card announcement-article" aria-labelledby="announcement-title">
        <h1 id="announcement-title" className="wrap-anywhere">
          {announcement.title}
        </h1>
        <p className="meta">
          {announcement.published_at ? <time dateTime={isoOf(announcement.published_at)}>{formatDay(announcement.published_at, 'long')}</time> : null}
          {announcement.ack_required && announcement.acknowledged_at ? (
            <>
              {' '}
              <Badge tone="success">Acknowledged</Badge>
            </>
          ) : null}
        </p>
        {/* Sanitised on the server when it was saved (core: allow-listed tags, no scripts, styles or handlers). */}
        <div className="announcement-body" dangerouslySetInnerHTML={{ __html: announcement.body_html }} />
      </article>

      {announcement.ack_required ? (
        <section className="card announcement-ack-box" aria-labelledby="ack-title">
          <h2 id="ack-title">Acknowledgement</h2>
          {failure?.formError ? (
            <div data-form-error tabIndex={-1}>
              <Alert tone="error">{failure.formError}</Alert>
            </div>
          ) : null}
          {confirmed ? (
            <div ref={confirmRef} tabIndex={-1} className="focus-target">
              <Alert tone="success">{confirmed.already ? 'You had already confirmed that you have read this.' : 'Thank you: the partner team can see that you have read this.'}</Alert>
            </div>
          ) : announcement.acknowledged_at ? (
            <p>
              You confirmed that you have read this on <time dateTime={isoOf(announcement.acknowledged_at)}>{formatDay(announcement.acknowledged_at, 'long')}</time>.
            </p>
          ) : (
            <>
              <p className={overdue ? 'overdue' : undefined}>
                The partner team asks you to confirm that you have read this{announcement.ack_due_at ? ` by ${formatDay(announcement.ack_due_at, 'long')}` : ''}.{overdue ? ' The due date has passed.' : ''}
              </p>
              <Form method="post">
                <SubmitButton pending={sending} pendingLabel="Confirming…">
                  I have read this
                </SubmitButton>
              </Form>
            </>
          )}
        </section>
      ) : null}
    </main>
  )
}
