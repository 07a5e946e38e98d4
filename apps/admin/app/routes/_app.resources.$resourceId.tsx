import { appErrorOf } from '@accord/api'
import { ACCEPTED_RESOURCE_EXTENSIONS, MAX_RESOURCE_FILE_BYTES, staffCan } from '@accord/core'
import { Alert, Badge, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { InputField } from '~/components/form-controls'
import { ConfirmAction, FormError, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { WeeklyChart } from '~/components/weekly-chart'
import { errorsFor } from '~/lib/forms'
import { formatDate, formatDateTime } from '~/lib/format'
import { APP_NAME, errorTitle } from '~/lib/meta'
import { contentTypeLabel, extractionLabel, formatBytes, RESOURCE_FIELDS, readResourceForm, resourceStatus, visibilitySummary } from '~/lib/resources'
import { FileField, ResourceFields, UploadProgress, useUploadWithProgress } from '~/lib/resources-form'
import { rethrowResourceAsNotFound, submitReplacementFile } from '~/lib/resources.server'
import { useRefreshWhile } from '~/lib/use-refresh-while'
import { actionFailure } from '~/server/action-result.server'
import { notFound, requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ data: loaded, error }) => [{ title: loaded ? `${loaded.resource.title} · Resources · ${APP_NAME}` : errorTitle(error) }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'resources.view')
  const resourceId = params.resourceId ?? ''
  const [resource, suggestions] = await Promise.all([caller.admin.resources.get({ resourceId }).catch(rethrowResourceAsNotFound), caller.admin.resources.tagSuggestions()])
  return data({ resource, ...suggestions, canManage: staffCan(user.staffRole, 'resources.manage'), maxBytes: MAX_RESOURCE_FILE_BYTES, accept: ACCEPTED_RESOURCE_EXTENSIONS.join(',') }, { headers })
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const staff = await requireStaff(request, context, 'resources.manage')
  const resourceId = params.resourceId ?? ''
  if ((request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    const result = await submitReplacementFile(staff, request, resourceId)
    if (result.ok) throw redirect(result.redirectTo, { headers: staff.headers })
    return data(result.failure, { status: result.status })
  }
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  try {
    if (intent === 'update') {
      const { input, values } = readResourceForm(form)
      try {
        await staff.caller.admin.resources.update({ ...input, resourceId })
      } catch (error) {
        if (appErrorOf(error)?.code === 'NOT_FOUND') throw notFound('This resource does not exist.')
        return actionFailure(error, { intent: 'update', fields: RESOURCE_FIELDS, values })
      }
      return redirect(`/resources/${resourceId}?done=updated`)
    }
    if (intent === 'archive' || intent === 'restore') {
      const changed = await staff.caller.admin.resources.setArchived({ resourceId, archived: intent === 'archive' })
      return redirect(`/resources/${resourceId}?done=${intent === 'archive' ? 'archived' : changed.status === 'draft' ? 'restored-draft' : 'restored'}`)
    }
    if (intent === 'delete') {
      const deleted = await staff.caller.admin.resources.delete({ resourceId })
      return redirect(`/resources?deleted=${encodeURIComponent(deleted.title.slice(0, 120))}`)
    }
    return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  } catch (error) {
    if (appErrorOf(error)?.code === 'NOT_FOUND') throw notFound('This resource does not exist.')
    return actionFailure(error, { intent })
  }
})

const DONE_NOTICES: Record<string, string> = {
  created: 'Resource added. Partners who may see it find it in the portal’s library now.',
  updated: 'Changes saved.',
  replaced: 'New file uploaded. Its text is being indexed for search.',
  archived: 'Archived: partners no longer see it. Its history is kept; restore it at any time.',
  restored: 'Restored: partners see it again.',
  'restored-draft': 'Restored as a draft (it was never published): publish it under Details when it is ready.',
}

export default function ResourcePage() {
  const { resource, tiers, industries, useCases, canManage, maxBytes, accept } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [params] = useSearchParams()
  const pageAction = usePageAction()
  const upload = useUploadWithProgress(`/resources/upload?replace=${resource.id}`)
  const replaceFailure = upload.failure ?? (result && !result.ok && result.intent === 'replace' ? result : null)
  const updateFailure = errorsFor(result, 'update')
  const otherFailure = result && !result.ok && result.intent !== 'update' && result.intent !== 'replace' ? result : null
  const updateForm = useFormFeedback(result, 'update')
  const saving = useSubmitting('update')
  const archivingNow = useSubmitting('archive')
  const restoring = useSubmitting('restore')
  const archiving = archivingNow || restoring
  const deleting = useSubmitting('delete')
  useRefreshWhile(resource.extractionStatus === 'pending')
  const done = params.get('done')
  const notice = done && !result ? DONE_NOTICES[done] : null
  const badge = resourceStatus(resource.status)
  const extraction = resource.kind === 'file' ? extractionLabel(resource.extractionStatus) : null
  const fileHref = `/resources/${resource.id}/file`

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/resources">Resources</Link> <span aria-hidden="true">/</span> <span aria-current="page">{resource.title}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 className="wrap-anywhere">{resource.title}</h1>
          <p className="muted">
            <Badge tone={badge.tone}>{badge.label}</Badge> {contentTypeLabel(resource.contentType)} · {visibilitySummary(resource.visibleTiers, resource.visibleMotions)} · updated {formatDateTime(resource.updatedAt)}
          </p>
        </div>
        <div className="button-row">
          {resource.kind === 'file' ? (
            <>
              <a className="button secondary" href={`${fileHref}?disposition=inline`} target="_blank" rel="noreferrer">
                Preview<span className="sr-only"> (opens in a new tab)</span>
              </a>
              <a className="button secondary" href={fileHref} download>
                Download
              </a>
            </>
          ) : resource.url ? (
            <a className="button secondary" href={resource.url} target="_blank" rel="noreferrer noopener">
              Open link<span className="sr-only"> (opens in a new tab)</span>
            </a>
          ) : null}
        </div>
      </div>
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      {otherFailure?.formError ? <Alert tone="error">{otherFailure.formError}</Alert> : null}

      <section className="card" aria-labelledby="resource-usage-title">
        <h2 id="resource-usage-title">Usage</h2>
        <ul className="stats" aria-label="Usage totals">
          <li className="stat">
            <span className="stat-value">{resource.totals.views}</span>
            <span className="stat-label">Views</span>
          </li>
          {resource.kind === 'file' ? (
            <li className="stat">
              <span className="stat-value">{resource.totals.downloads}</span>
              <span className="stat-label">Downloads</span>
            </li>
          ) : (
            <li className="stat">
              <span className="stat-value">{resource.totals.linkOpens}</span>
              <span className="stat-label">Link opens</span>
            </li>
          )}
          <li className="stat">
            <span className="stat-value">{resource.totals.partners}</span>
            <span className="stat-label">Partner organisations</span>
          </li>
          <li className="stat">
            <span className="stat-value">{resource.totals.users}</span>
            <span className="stat-label">People</span>
          </li>
        </ul>
        <h3 id="resource-weekly-title">Views and downloads per week</h3>
        {resource.weekly.every((week) => week.views + week.downloads === 0) ? (
          <p className="muted">Nobody has opened it in the last 12 weeks.</p>
        ) : (
          <WeeklyChart weeks={resource.weekly.map((week) => ({ weekStart: week.weekStart, count: week.views + week.downloads }))} unit="view or download" labelledBy="resource-weekly-title" tableCaption="Views and downloads per week" />
        )}
        {resource.byPartner.length > 0 ? (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Use per partner">
            <table className="data">
              <caption className="sr-only">Use per partner organisation, most active first</caption>
              <thead>
                <tr>
                  <th scope="col">Partner</th>
                  <th scope="col" className="num">
                    Views
                  </th>
                  <th scope="col" className="num">
                    Downloads
                  </th>
                  <th scope="col">Last</th>
                </tr>
              </thead>
              <tbody>
                {resource.byPartner.map((partner) => (
                  <tr key={partner.partnerId}>
                    <td>
                      <Link to={`/partners/${partner.partnerId}`}>{partner.partnerName}</Link>
                    </td>
                    <td className="num">{partner.views}</td>
                    <td className="num">{partner.downloads}</td>
                    <td>{formatDate(partner.lastAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      {resource.kind === 'file' ? (
        <section className="card stack" aria-labelledby="resource-file-title">
          <h2 id="resource-file-title">File</h2>
          <p>
            <strong className="wrap-anywhere">{resource.fileName}</strong> · {formatBytes(resource.fileBytes)}
            {extraction ? (
              <>
                {' '}
                · <span className={resource.extractionStatus === 'failed' ? 'text-danger' : 'muted'}>{extraction}</span>
              </>
            ) : null}
          </p>
          {resource.extractionStatus === 'failed' && resource.extractionError ? <p className="muted small">{resource.extractionError} Partners still find it by its title, description and tags.</p> : null}
          {canManage ? (
            <Form method="post" action={pageAction} encType="multipart/form-data" className="stack" noValidate onSubmit={upload.onSubmit} aria-label="Replace the file">
              <FormError failure={replaceFailure} />
              <FileField label="Replace with a new version" accept={accept} maxBytes={maxBytes} errors={replaceFailure?.fieldErrors.file} required hint="Views and downloads so far are kept. The old file is removed." />
              <UploadProgress progress={upload.progress} />
              <div>
                <SubmitButton variant="secondary" pending={upload.progress !== null} pendingLabel="Uploading…">
                  Upload new version
                </SubmitButton>
              </div>
            </Form>
          ) : null}
        </section>
      ) : null}

      {canManage ? (
        <section className="card" aria-labelledby="resource-edit-title">
          <h2 id="resource-edit-title">Details</h2>
          <Form method="post" action={pageAction} className="stack" noValidate ref={updateForm}>
            <input type="hidden" name="intent" value="update" />
            <FormError failure={updateFailure} />
            {resource.kind === 'link' ? <InputField label="Web address" name="url" type="url" required maxLength={2000} defaultValue={valueOf(updateFailure, 'url', resource.url)} errors={updateFailure?.fieldErrors.url} /> : null}
            <ResourceFields resource={resource} failure={updateFailure} tierOptions={tiers} industrySuggestions={industries} useCaseSuggestions={useCases} showStatus={resource.status !== 'archived'} />
            <div>
              <SubmitButton pending={saving} pendingLabel="Saving…">
                Save changes
              </SubmitButton>
            </div>
          </Form>
        </section>
      ) : null}

      {canManage ? (
        <section className="card stack" aria-labelledby="resource-danger-title">
          <h2 id="resource-danger-title">Archive or delete</h2>
          {resource.status === 'archived' ? (
            <Form method="post" action={pageAction}>
              <input type="hidden" name="intent" value="restore" />
              <p className="muted">Archived: partners do not see it. Restoring brings it back as it was: published, or a draft if it never was.</p>
              <SubmitButton variant="secondary" pending={archiving} pendingLabel="Restoring…">
                Restore
              </SubmitButton>
            </Form>
          ) : (
            <Form method="post" action={pageAction}>
              <input type="hidden" name="intent" value="archive" />
              <p className="muted">Archiving hides it from partners and keeps it and its history here.</p>
              <SubmitButton variant="secondary" pending={archiving} pendingLabel="Archiving…">
                Archive
              </SubmitButton>
            </Form>
          )}
          <ConfirmAction label="Delete…" confirmLabel="Yes, delete it for good" pendingLabel="Deleting…" pending={deleting} intent="delete">
            Deleting removes “{resource.title}”, {resource.kind === 'file' ? 'its file, ' : ''}and its view and download history. This cannot be undone; archive it instead to keep the history.
          </ConfirmAction>
        </section>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/resources', label: 'Back to resources' }} />
}
