import { staffCan } from '@accord/core'
import { Alert, Badge, EmptyState, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { useEffect } from 'react'
import { ErrorContent } from '~/components/error-page'
import { FormError, usePageAction, useSubmitting } from '~/components/forms'
import { errorsFor } from '~/lib/forms'
import { formatDateTime } from '~/lib/format'
import { pageMeta } from '~/lib/meta'
import { RULES_PATH } from '~/lib/programme-pages'
import { actionFailure } from '~/server/action-result.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Programme rules')

const TEMPLATE_SLUGS = ['conflict-policy', 'territories', 'price-bands']

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'workspace.view')
  const pages = await caller.admin.programmePages.list()
  const slugs = new Set(pages.map((page) => page.slug))
  return data({ pages, canManage: staffCan(user.staffRole, 'programme.manage'), missingTemplates: TEMPLATE_SLUGS.filter((slug) => !slugs.has(slug)).length }, { headers })
}

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'programme.manage')
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  const pageId = String(form.get('pageId') ?? '')
  try {
    if (intent === 'templates') {
      const result = await caller.admin.programmePages.createFromTemplates()
      return redirect(`${RULES_PATH}?done=templates&count=${result.created.length}`)
    }
    if (intent === 'move') {
      await caller.admin.programmePages.move({ pageId, direction: String(form.get('direction') ?? '') })
      return redirect(`${RULES_PATH}?moved=${encodeURIComponent(pageId)}&direction=${form.get('direction') === 'up' ? 'up' : 'down'}`)
    }
    if (intent === 'publish') {
      await caller.admin.programmePages.publish({ pageId })
      return redirect(`${RULES_PATH}?done=published`)
    }
    if (intent === 'unpublish') {
      await caller.admin.programmePages.unpublish({ pageId })
      return redirect(`${RULES_PATH}?done=unpublished`)
    }
    return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  } catch (error) {
    return actionFailure(error, { intent })
  }
})

const DONE_NOTICES: Record<string, (count: number) => string> = {
  templates: (count) => (count === 0 ? 'All template pages already exist; nothing was added.' : `${count === 1 ? 'One draft page was' : `${count} draft pages were`} written from your programme settings. Review them, then publish.`),
  published: () => 'Published: partners can read it in the portal.',
  unpublished: () => 'Unpublished: partners no longer see it.',
  deleted: () => 'Page deleted.',
}

function TemplatesButton({ label, variant }: { label: string; variant?: 'secondary' }) {
  const pageAction = usePageAction()
  const pending = useSubmitting('templates')
  return (
    <Form method="post" action={pageAction}>
      <input type="hidden" name="intent" value="templates" />
      <SubmitButton variant={variant} pending={pending} pendingLabel="Writing drafts…">
        {label}
      </SubmitButton>
    </Form>
  )
}

function RowButton({ intent, pageId, label, accessibleName, extra }: { intent: string; pageId: string; label: string; accessibleName: string; extra?: Record<string, string> }) {
  const pageAction = usePageAction()
  const navigation = useNavigation()
  const pending = navigation.state !== 'idle' && navigation.formData?.get('intent') === intent && navigation.formData.get('pageId') === pageId && (extra?.direction === undefined || navigation.formData.get('direction') === extra.direction)
  return (
    <Form method="post" action={pageAction} className="inline-form">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="pageId" value={pageId} />
      {Object.entries(extra ?? {}).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" className="button secondary small" aria-label={accessibleName} data-row-action={`${intent}-${extra?.direction ?? ''}-${pageId}`} disabled={pending} aria-busy={pending || undefined}>
        {label}
      </button>
    </Form>
  )
}

export default function ProgrammeRules() {
  const { pages, canManage, missingTemplates } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [params] = useSearchParams()
  const done = params.get('done')
  const notice = done && !result ? DONE_NOTICES[done]?.(Number(params.get('count') ?? 0)) : null
  const moved = params.get('moved')
  const movedPage = moved ? pages.find((page) => page.id === moved) : undefined
  const direction = params.get('direction') === 'up' ? 'up' : 'down'
  // After a move, keep the keyboard on the moved page's button (or its other one at the ends).
  // Only a page of this list is looked up (the address is anyone's to write; a crafted value must not reach a selector).
  const movedId = movedPage?.id
  useEffect(() => {
    if (!movedId) return
    const target = document.querySelector<HTMLElement>(`[data-row-action="move-${direction}-${movedId}"]`) ?? document.querySelector<HTMLElement>(`[data-row-action="move-${direction === 'up' ? 'down' : 'up'}-${movedId}"]`)
    target?.focus()
  }, [movedId, direction])
  const failure = errorsFor(result, 'templates') ?? errorsFor(result, 'move') ?? errorsFor(result, 'publish') ?? errorsFor(result, 'unpublish')

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/resources">Resources</Link> <span aria-hidden="true">/</span> <span aria-current="page">Programme rules</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>Programme rules</h1>
          <p className="muted">Pages about how your partner programme works (conflict policy, territories, price bands), published in the partner portal in this order.</p>
        </div>
        {canManage && pages.length > 0 ? (
          <div className="button-row">
            {missingTemplates > 0 ? <TemplatesButton label="Add template pages" variant="secondary" /> : null}
            <Link to={`${RULES_PATH}/new`} className="button">
              New page
            </Link>
          </div>
        ) : null}
      </div>
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      {movedPage && !result ? (
        <p className="sr-only" role="status">
          Moved “{movedPage.title}” {direction} to position {pages.indexOf(movedPage) + 1} of {pages.length}.
        </p>
      ) : null}
      <FormError failure={failure} />

      {pages.length === 0 ? (
        <EmptyState
          title="No programme rules pages yet"
          action={
            canManage ? (
              <div className="button-row" style={{ justifyContent: 'center' }}>
                <TemplatesButton label="Start from templates" />
                <Link to={`${RULES_PATH}/new`} className="button secondary">
                  New page
                </Link>
              </div>
            ) : null
          }
        >
          Explain your conflict policy, territories and price bands to every partner. The templates are drafted from your programme settings; you review them before publishing.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">Programme rules pages, in the order partners see them</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Updated</th>
                {canManage ? (
                  <>
                    <th scope="col">Order</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {pages.map((page, index) => (
                <tr key={page.id}>
                  <td className="wrap-anywhere">
                    <Link to={`${RULES_PATH}/${page.id}`}>{page.title}</Link>
                    <div className="muted small">/programme/{page.slug}</div>
                  </td>
                  <td>{page.status === 'published' ? <Badge tone="success">Published</Badge> : <Badge>Draft</Badge>}</td>
                  <td className="small">
                    {formatDateTime(page.updated_at)}
                    {page.updated_by_name ? <div className="muted">by {page.updated_by_name}</div> : null}
                  </td>
                  {canManage ? (
                    <>
                      <td>
                        <div className="button-row">
                          {index > 0 ? <RowButton intent="move" pageId={page.id} extra={{ direction: 'up' }} label="↑ Up" accessibleName={`Move “${page.title}” up`} /> : null}
                          {index < pages.length - 1 ? <RowButton intent="move" pageId={page.id} extra={{ direction: 'down' }} label="↓ Down" accessibleName={`Move “${page.title}” down`} /> : null}
                        </div>
                      </td>
                      <td className="actions">
                        {page.status === 'published' ? (
                          <RowButton intent="unpublish" pageId={page.id} label="Unpublish" accessibleName={`Unpublish “${page.title}”`} />
                        ) : (
                          <RowButton intent="publish" pageId={page.id} label="Publish" accessibleName={`Publish “${page.title}”`} />
                        )}
                      </td>
                    </>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: RULES_PATH, label: 'Back to programme rules' }} />
}
