import { EmptyState } from '@accord/ui'
import { type LoaderFunctionArgs, type MetaFunction, data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { formatDate } from '~/lib/format'
import { APP_NAME, errorTitle } from '~/lib/meta'
import { attributionText, safeFieldText } from '~/lib/pipeline'
import { requireStaff, rethrowAsNotFound } from '~/server/guard.server'

export const meta: MetaFunction<typeof loader> = ({ data: loaded, error }) => [{ title: `${error || !loaded ? errorTitle(error) : `Preview as ${loaded.partner.name}`} · ${APP_NAME}` }]


export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requireStaff(request, context, 'registrations.view')
  const preview = await caller.admin.pipeline.previewAsPartner({ partnerId: params.partnerId ?? '' }).catch(rethrowAsNotFound('This partner organisation does not exist.'))
  return data(preview, { headers })
}

/**
 * "Preview as partner": the partner's pipeline exactly as its people see it,
 * produced by core in that partner's own data scope. Only customer,
 * attribution and the partner-safe fields exist in this data at all.
 */
export default function PartnerPreview() {
  const { partner, safeFields, deals } = useLoaderData<typeof loader>()
  const dayText = (value: string) => formatDate(value, value)

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/pipeline">Pipeline</Link> <span aria-hidden="true">/</span> <span aria-current="page">Preview as {partner.name}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 className="wrap-anywhere">Preview as {partner.name}</h1>
          <p className="muted">
            <Link to={`/partners/${partner.id}`}>{partner.name}</Link> · <Link to="/settings/programme#safe-fields-title">Change the partner-safe fields</Link>
          </p>
        </div>
      </div>

      <div className="alert info preview-banner" role="note">
        <strong>This is exactly what {partner.name} sees</strong> in its portal’s pipeline: the customer, its own attribution
        {safeFields.length > 0 ? `, and ${safeFields.map((field) => field.label.toLowerCase()).join(', ')}` : ' and nothing else (no field is marked partner-safe)'}. Pricing,
        discounts, internal notes and other partners on a deal are never shown.
      </div>

      {deals.length === 0 ? (
        <EmptyState title={`${partner.name} has no deals yet`}>Deals appear in a partner’s pipeline once the partner is attributed to them.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">The pipeline of {partner.name}, as its people see it</caption>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Attribution</th>
                {safeFields.map((field) => (
                  <th scope="col" key={field.key}>
                    {field.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {deals.map((deal) => (
                <tr key={deal.id}>
                  <td className="wrap-anywhere">{deal.customerName}</td>
                  <td>{attributionText(deal.attribution, deal.attributionPercent)}</td>
                  {safeFields.map((field) => (
                    <td key={field.key} className="wrap-anywhere">
                      {safeFieldText(field.key, deal.fields[field.key], dayText)}
                    </td>
                  ))}
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
  return <ErrorContent back={{ href: '/pipeline', label: 'Back to the pipeline' }} />
}
