import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { Fragment } from 'react'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { formatDay, isoOf } from '~/lib/registrations'
import { formatBytes, motionLabel } from '~/lib/resources'
import { requirePartner } from '~/server/guard.server'
import { rethrowAsNotFound } from '~/server/errors.server'

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => [{ title: portalTitle(matches, data ? data.resource.title : 'Resource') }]

/** Opening the page counts as a view (once per half hour per person). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requirePartner(request, context, params)
  // Unknown, malformed or not visible to this partner: all the same "not found".
  const resource = await caller.portal.resources.view({ resourceId: params.resourceId ?? '' }).catch(rethrowAsNotFound(headers, 'We could not find that resource'))
  return json({ resource }, { headers })
}

export default function Resource() {
  const { resource } = useLoaderData<typeof loader>()
  const href = usePortalHref()
  const fileHref = href(`/resources/${resource.id}/file`)
  const tags = [
    { label: 'Motions', values: resource.motions.map(motionLabel) },
    { label: 'Industries', values: resource.industries },
    { label: 'Use cases', values: resource.useCases },
  ].filter((group) => group.values.length > 0)
  return (
    <main id="main" tabIndex={-1} className="content resource-page">
      <p className="breadcrumb">
        <Link to={href('/resources')}>Resources</Link>
      </p>
      <article className="card" aria-labelledby="resource-title">
        <p className="resource-kind">{resource.contentTypeLabel}</p>
        <h1 id="resource-title" className="wrap-anywhere">
          {resource.title}
        </h1>
        {resource.description ? <p className="user-text">{resource.description}</p> : null}
        <dl className="facts">
          {resource.kind === 'file' ? (
            <>
              <dt>File</dt>
              <dd>
                {resource.fileLabel ?? 'File'}, {formatBytes(resource.fileBytes)}
              </dd>
            </>
          ) : null}
          {resource.publishedAt ? (
            <>
              <dt>Published</dt>
              <dd>
                <time dateTime={isoOf(resource.publishedAt)}>{formatDay(resource.publishedAt, 'long')}</time>
              </dd>
            </>
          ) : null}
          {tags.map((group) => (
            <Fragment key={group.label}>
              <dt>{group.label}</dt>
              <dd>{group.values.join(', ')}</dd>
            </Fragment>
          ))}
        </dl>
        <p className="row">
          {resource.kind === 'file' ? (
            // Not a client-side navigation: the browser downloads the file.
            <a className="button" href={fileHref} download>
              Download
            </a>
          ) : (
            <a className="button" href={href(`/resources/${resource.id}/open`)} target="_blank" rel="noreferrer noopener">
              Open link<span className="sr-only"> (opens in a new tab)</span>
            </a>
          )}
        </p>
      </article>
      {resource.previewKind ? (
        <section className="card resource-preview" aria-labelledby="preview-title">
          <h2 id="preview-title">Preview</h2>
          {resource.previewKind === 'image' ? (
            <img src={`${fileHref}?disposition=inline`} alt={`Preview of ${resource.title}`} />
          ) : (
            <iframe src={`${fileHref}?disposition=inline`} title={`Preview of ${resource.title}`} loading="lazy" />
          )}
        </section>
      ) : resource.kind === 'file' ? (
        <p className="muted">{resource.fileLabel ?? 'This file'} cannot be previewed in the browser; download it to open it.</p>
      ) : null}
    </main>
  )
}
