import { staffCan } from '@accord/core'
import { Alert, Badge, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { ConfirmAction, FormError, useFocusOnErrors, usePageAction, useSubmitting } from '~/components/forms'
import { errorsFor } from '~/lib/forms'
import { formatDateTime } from '~/lib/format'
import { APP_NAME, errorTitle } from '~/lib/meta'
import { PROGRAMME_PAGE_NOTICES, RULES_PATH } from '~/lib/programme-pages'
import { ProgrammePageForm } from '~/lib/programme-pages-form'
import { rethrowPageAsNotFound, submitProgrammePageForm } from '~/lib/programme-pages.server'
import { actionFailure } from '~/server/action-result.server'
import { notFound, requireStaff } from '~/server/guard.server'
import { appErrorOf } from '@accord/api'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ data: loaded, error }) => [{ title: `${error || !loaded ? errorTitle(error) : `${loaded.page.title} · Programme rules`} · ${APP_NAME}` }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'workspace.view')
  const page = await caller.admin.programmePages.get({ pageId: params.pageId ?? '' }).catch(rethrowPageAsNotFound)
  return data({ page, canManage: staffCan(user.staffRole, 'programme.manage') }, { headers })
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'programme.manage')
  const pageId = params.pageId ?? ''
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  if (intent === 'save' || intent === 'publish') return submitProgrammePageForm(caller, form, pageId)
  try {
    if (intent === 'unpublish') {
      await caller.admin.programmePages.unpublish({ pageId })
      return redirect(`${RULES_PATH}/${pageId}?done=unpublished`)
    }
    if (intent === 'delete') {
      await caller.admin.programmePages.delete({ pageId })
      return redirect(`${RULES_PATH}?done=deleted`)
    }
    return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  } catch (error) {
    const code = appErrorOf(error)?.code
    if (code === 'NOT_FOUND' || code === 'VALIDATION') throw notFound('This page does not exist.')
    return actionFailure(error, { intent })
  }
}, { intent: (form) => (form.get('intent') === 'save' || form.get('intent') === 'publish' ? 'page' : String(form.get('intent') ?? '')) })

export default function ProgrammePageEditor() {
  const { page, canManage } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [params] = useSearchParams()
  const pageAction = usePageAction()
  const unpublishing = useSubmitting('unpublish')
  const deleting = useSubmitting('delete')
  const failure = errorsFor(result, 'page')
  const formRef = useFocusOnErrors(failure)
  const done = params.get('done')
  const notice = done && !result ? PROGRAMME_PAGE_NOTICES[done] : null
  const published = page.status === 'published'

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/resources">Resources</Link> <span aria-hidden="true">/</span> <Link to={RULES_PATH}>Programme rules</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page" className="wrap-anywhere">
          {page.title}
        </span>
      </nav>
      <div className="page-header">
        <div>
          <h1 id="programme-page-editor-title" className="wrap-anywhere">
            {canManage ? `Edit: ${page.title}` : page.title}
          </h1>
          <p className="muted">
            Last updated {formatDateTime(page.updated_at)}
            {page.updated_by_name ? ` by ${page.updated_by_name}` : ''}
            {published && page.published_at ? ` · published ${formatDateTime(page.published_at)}` : ''}
          </p>
        </div>
        <span role="status" aria-label={`Status: ${published ? 'Published' : 'Draft'}`}>
          {published ? <Badge tone="success">Published</Badge> : <Badge>Draft</Badge>}
        </span>
      </div>

      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <FormError failure={errorsFor(result, 'unpublish') ?? errorsFor(result, 'delete')} />

      {published || canManage ? (
        <div className="button-row" style={{ marginBottom: '1rem' }}>
          {published ? (
            <a className="button secondary" href={page.portalUrl} target="_blank" rel="noreferrer">
              View in portal<span className="sr-only"> (opens in a new tab)</span>
            </a>
          ) : null}
          {canManage && published ? (
            <Form method="post" action={pageAction}>
              <input type="hidden" name="intent" value="unpublish" />
              <SubmitButton variant="secondary" pending={unpublishing} pendingLabel="Unpublishing…">
                Unpublish
              </SubmitButton>
            </Form>
          ) : null}
          {canManage ? (
            <ConfirmAction label="Delete…" confirmLabel="Yes, delete this page" pendingLabel="Deleting…" pending={deleting} intent="delete">
              {published ? 'Partners lose this page at once and links to it stop working. ' : ''}The page and its text are deleted for good; this cannot be undone.
            </ConfirmAction>
          ) : null}
        </div>
      ) : null}

      {canManage ? (
        <ProgrammePageForm key={`${String(page.updated_at)}-${page.slug}`} page={page} failure={failure} formRef={formRef} titleId="programme-page-editor-title" cancelHref={RULES_PATH} />
      ) : (
        <section className="card" aria-label="Page text">
          {page.body_html ? <div className="announcement-body" dangerouslySetInnerHTML={{ __html: page.body_html }} /> : <p className="muted">No text yet.</p>}
        </section>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: RULES_PATH, label: 'Back to programme rules' }} />
}
