import { staffCan } from '@accord/core'
import { Badge, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { useEffect, useId, useRef, useState } from 'react'
import { ErrorContent } from '~/components/error-page'
import { InputField, SelectControl, TextAreaField } from '~/components/form-controls'
import { FormError, FormNotice, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { type FormFailure, errorsFor, formValues } from '~/lib/forms'
import { formatDate, formatDateTime } from '~/lib/format'
import { APP_NAME, errorTitle } from '~/lib/meta'
import {
  ATTRIBUTIONS,
  ATTRIBUTION_ROW_FIELDS,
  type AttributionRow,
  CONTACT_ROLES,
  MAX_ATTRIBUTION_ROWS,
  attributionErrorKey,
  attributionLabels,
  attributionText,
  contactRoleLabels,
  dealStatusLabels,
  exitFieldLabels,
  formatMoney,
  readAttributionRows,
} from '~/lib/pipeline'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { renameFieldErrors } from '~/server/field-errors.server'
import { notFound, requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta: MetaFunction<typeof loader> = ({ data: loaded, error }) => [{ title: `${error || !loaded ? errorTitle(error) : `${loaded.deal.customerName} · Pipeline`} · ${APP_NAME}` }]

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'registrations.view')
  const dealId = params.dealId ?? ''
  // Unknown ids, malformed ids and other workspaces' ids all look the same: not found.
  if (!UUID.test(dealId)) throw notFound('This deal does not exist.')
  const [pipeline, partners, staff] = await Promise.all([caller.admin.pipeline.deals({ status: 'all', dealId }), caller.admin.partners.list(), caller.admin.workspace.staff()])
  const deal = pipeline.deals.find((candidate) => candidate.id === dealId)
  if (!deal) throw notFound('This deal does not exist.')
  const motion = pipeline.motions.find((candidate) => candidate.key === deal.motion) ?? null
  // Partners already on the deal stay choosable even when archived since.
  const partnerOptions = [...partners.map((partner) => ({ value: partner.id, label: partner.name })), ...deal.partners.filter((attached) => !partners.some((partner) => partner.id === attached.partnerId)).map((attached) => ({ value: attached.partnerId, label: `${attached.name} (archived)` }))]
  const ownerOptions = staff.members.filter((member) => member.status === 'active' || member.id === deal.ownerUserId).map((member) => ({ value: member.id, label: member.status === 'active' ? member.name : `${member.name} (disabled)` }))
  return data({ deal, motion, partnerOptions, ownerOptions, canDecide: staffCan(user.staffRole, 'registrations.decide') }, { headers })
}

const DEAL_FIELDS = ['amount', 'currency', 'expectedClose', 'nextStep', 'ownerUserId', 'internalNotes', 'discountPercent'] as const

function attributionFieldNames(rowCount: number): string[] {
  const names = ['partners']
  for (let index = 0; index < rowCount; index += 1) names.push(`partners.${index}`, ...ATTRIBUTION_ROW_FIELDS.map((field) => `partners.${index}.${field}`))
  return names
}

export const action = formAction(async ({ request, context, params }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'registrations.decide')
  const dealId = params.dealId ?? ''
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  switch (intent) {
    case 'move-stage': {
      const values = formValues(form, ['stage'])
      try {
        await caller.admin.pipeline.moveStage({ dealId, stage: values.stage })
        return actionSuccess(intent, 'Stage changed. Partners on the deal see the new stage if it is a partner-safe field.')
      } catch (error) {
        return actionFailure(error, { intent, fields: ['stage'], values })
      }
    }
    case 'update-deal': {
      const values = formValues(form, DEAL_FIELDS)
      try {
        await caller.admin.pipeline.updateDeal({ dealId, ...values })
        return actionSuccess(intent, 'Deal saved.')
      } catch (error) {
        return actionFailure(error, { intent, fields: DEAL_FIELDS, values })
      }
    }
    case 'attribution': {
      const { values, sent, rowOf, rows } = readAttributionRows(form)
      try {
        await caller.admin.pipeline.setAttribution({ dealId, partners: sent })
        return actionSuccess(intent, sent.length === 0 ? 'Attribution cleared: no partner is on this deal now.' : 'Attribution saved.')
      } catch (error) {
        return actionFailure(renameFieldErrors(error, (key) => attributionErrorKey(key, rowOf)), { intent, fields: attributionFieldNames(rows.length), values })
      }
    }
    case 'close': {
      const outcome = form.get('outcome') === 'won' ? 'won' : 'lost'
      const reason = String(form.get('reason') ?? '')
      try {
        const closed = await caller.admin.pipeline.closeDeal({ dealId: params.dealId ?? '', outcome, reason })
        return actionSuccess(intent, `Deal marked ${outcome}.${closed.registrationClosed ? ' Its registration is closed too and the partner has been told.' : ''}`)
      } catch (error) {
        return actionFailure(error, { intent, fields: ['reason'], values: { reason } })
      }
    }
    default:
      return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  }
})

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>
type Deal = LoaderData['deal']

function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  return hydrated
}

const emptyRow = (): AttributionRow => ({ partnerId: '', attribution: 'influenced', percent: '', contactRole: '' })

/** The rows to show: what was typed after a failed save, else the saved partners; always one empty row to add a partner. */
function initialRows(deal: Deal, failure: FormFailure | null): AttributionRow[] {
  let rows: AttributionRow[]
  if (failure) {
    const count = Number(failure.values.rowCount ?? '0')
    rows = Array.from({ length: Number.isInteger(count) ? count : 0 }, (_, index) => ({
      partnerId: failure.values[`partners.${index}.partnerId`] ?? '',
      attribution: failure.values[`partners.${index}.attribution`] || 'influenced',
      percent: failure.values[`partners.${index}.percent`] ?? '',
      contactRole: failure.values[`partners.${index}.contactRole`] ?? '',
    }))
  } else {
    rows = deal.partners.map((partner) => ({ partnerId: partner.partnerId, attribution: partner.attribution, percent: String(partner.percent), contactRole: partner.contactRole ?? '' }))
  }
  if (rows.length < MAX_ATTRIBUTION_ROWS && (rows.length === 0 || rows[rows.length - 1]?.partnerId)) rows.push(emptyRow())
  return rows
}

function CellError({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages?.length) return null
  return (
    <p className="error" id={id} role="alert">
      {messages.join(' ')}
    </p>
  )
}

function AttributionEditor({ deal, failure, partnerOptions, canDecide, pending }: { deal: Deal; failure: FormFailure | null; partnerOptions: Array<{ value: string; label: string }>; canDecide: boolean; pending: boolean }) {
  const hydrated = useHydrated()
  const ids = useId()
  const nextKey = useRef(0)
  const withKeys = (rows: AttributionRow[]) => rows.map((row) => ({ ...row, key: nextKey.current++ }))
  const [rows, setRows] = useState(() => withKeys(initialRows(deal, failure)))
  const [edited, setEdited] = useState(false)
  // A new answer from the server lines up with the rows just submitted (the rows on screen).
  useEffect(() => setEdited(false), [failure])
  // Errors belong to the rows as they were submitted; after adding or removing rows they may no longer line up.
  const errors = edited ? null : failure
  const groupErrors = errors?.fieldErrors.partners
  const result = useActionData<typeof action>()
  const formRef = useFormFeedback(result, 'attribution')
  const pageAction = usePageAction()

  return (
    <Form method="post" action={pageAction} className="stack" noValidate ref={formRef} aria-labelledby="attribution-title">
      <input type="hidden" name="intent" value="attribution" />
      <input type="hidden" name="rowCount" value={rows.length} />
      <FormNotice result={result} intent="attribution" />
      <FormError failure={failure} />
      <fieldset disabled={!canDecide} className="plain stack" aria-describedby={`${ids}-help${groupErrors?.length ? ` ${ids}-group-error` : ''}`}>
        <legend className="sr-only">Partners on this deal</legend>
        <p className="hint" id={`${ids}-help`}>
          At most one partner sourced the deal; the others influenced it. Shares add up to at most 100 %. {hydrated ? null : 'To remove a partner, set its row to “No partner”.'}
        </p>
        <CellError id={`${ids}-group-error`} messages={groupErrors} />
        <div className="table-wrap">
          <table className="data attribution-table">
            <caption className="sr-only">Partner attribution</caption>
            <thead>
              <tr>
                <th scope="col">Partner</th>
                <th scope="col">Attribution</th>
                <th scope="col">Share (%)</th>
                <th scope="col">Contact role</th>
                {hydrated && canDecide ? (
                  <th scope="col">
                    <span className="sr-only">Remove</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => {
                const rowErrors = (field: string) => errors?.fieldErrors[`partners.${index}.${field}`]
                const wholeRow = errors?.fieldErrors[`partners.${index}`]
                const label = `row ${index + 1}`
                const cell = (field: string) => ({
                  id: `${ids}-${row.key}-${field}`,
                  'aria-invalid': rowErrors(field)?.length ? true : undefined,
                  'aria-describedby': rowErrors(field)?.length ? `${ids}-${row.key}-${field}-error` : undefined,
                })
                return (
                  <tr key={row.key}>
                    <td>
                      <label className="sr-only" htmlFor={`${ids}-${row.key}-partnerId`}>
                        Partner, {label}
                      </label>
                      <select name={`partners.${index}.partnerId`} defaultValue={row.partnerId} {...cell('partnerId')}>
                        <option value="">{row.partnerId || index < rows.length - 1 ? 'No partner (remove)' : 'Add a partner…'}</option>
                        {partnerOptions.map((option) => (
                          <option key={option.value} value={option.value}>
                            {option.label}
                          </option>
                        ))}
                      </select>
                      <CellError id={`${ids}-${row.key}-partnerId-error`} messages={rowErrors('partnerId')} />
                      <CellError id={`${ids}-${row.key}-row-error`} messages={wholeRow} />
                    </td>
                    <td>
                      <label className="sr-only" htmlFor={`${ids}-${row.key}-attribution`}>
                        Attribution, {label}
                      </label>
                      <select name={`partners.${index}.attribution`} defaultValue={row.attribution} {...cell('attribution')}>
                        {ATTRIBUTIONS.map((attribution) => (
                          <option key={attribution} value={attribution}>
                            {attributionLabels[attribution]}
                          </option>
                        ))}
                      </select>
                      <CellError id={`${ids}-${row.key}-attribution-error`} messages={rowErrors('attribution')} />
                    </td>
                    <td>
                      <label className="sr-only" htmlFor={`${ids}-${row.key}-percent`}>
                        Share in percent, {label}
                      </label>
                      <input name={`partners.${index}.percent`} type="number" inputMode="decimal" min={0} max={100} step="any" className="percent-input" defaultValue={row.percent} {...cell('percent')} />
                      <CellError id={`${ids}-${row.key}-percent-error`} messages={rowErrors('percent')} />
                    </td>
                    <td>
                      <label className="sr-only" htmlFor={`${ids}-${row.key}-contactRole`}>
                        Contact role, {label}
                      </label>
                      <select name={`partners.${index}.contactRole`} defaultValue={row.contactRole} {...cell('contactRole')}>
                        <option value="">—</option>
                        {CONTACT_ROLES.map((role) => (
                          <option key={role} value={role}>
                            {contactRoleLabels[role]}
                          </option>
                        ))}
                      </select>
                      <CellError id={`${ids}-${row.key}-contactRole-error`} messages={rowErrors('contactRole')} />
                    </td>
                    {hydrated && canDecide ? (
                      <td className="actions">
                        <button
                          type="button"
                          className="button small secondary"
                          aria-label={`Remove ${label}`}
                          onClick={() => {
                            setEdited(true)
                            setRows((current) => {
                              const next = current.filter((candidate) => candidate.key !== row.key)
                              return next.length === 0 ? withKeys([emptyRow()]) : next
                            })
                          }}
                        >
                          Remove
                        </button>
                      </td>
                    ) : null}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </fieldset>
      {canDecide ? (
        <div className="button-row">
          {hydrated && rows.length < MAX_ATTRIBUTION_ROWS ? (
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                setEdited(true)
                setRows((current) => [...current, ...withKeys([emptyRow()])])
              }}
            >
              Add another partner
            </button>
          ) : null}
          <SubmitButton pending={pending} pendingLabel="Saving…">
            Save attribution
          </SubmitButton>
        </div>
      ) : null}
    </Form>
  )
}

export default function DealPage() {
  const pageAction = usePageAction()
  const { deal, motion, partnerOptions, ownerOptions, canDecide } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const stageFailure = errorsFor(result, 'move-stage')
  const dealFailure = errorsFor(result, 'update-deal')
  const attributionFailure = errorsFor(result, 'attribution')
  const stageRef = useFormFeedback(result, 'move-stage')
  const dealRef = useFormFeedback(result, 'update-deal')
  const moving = useSubmitting('move-stage')
  const saving = useSubmitting('update-deal')
  const attributing = useSubmitting('attribution')
  const closing = useSubmitting('close')
  const stages = motion?.stages ?? []
  const currentIndex = stages.findIndex((stage) => stage.key === deal.stage)
  const current = stages[currentIndex]
  const filled: Record<string, boolean> = {
    amount: deal.amount !== null,
    currency: deal.currency !== null,
    expected_close: deal.expectedClose !== null,
    next_step: Boolean(deal.nextStep?.trim()),
    owner: deal.ownerUserId !== null,
    attribution: deal.partners.length > 0,
  }
  const open = deal.status === 'open'
  const stageErrors = stageFailure?.fieldErrors.stage

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/pipeline">Pipeline</Link> <span aria-hidden="true">/</span> <span aria-current="page">{deal.customerName}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 className="wrap-anywhere">{deal.customerName}</h1>
          <p className="muted wrap-anywhere">
            {deal.name && deal.name !== deal.customerName ? `${deal.name} · ` : ''}
            {motion?.label ?? deal.motion} · {deal.stageLabel} · last activity {formatDateTime(deal.lastActivityAt)}
            {deal.registrationId ? (
              <>
                {' · '}
                <Link to={`/registrations/${deal.registrationId}`}>Registration</Link>
              </>
            ) : null}
          </p>
        </div>
        <Badge tone={deal.status === 'won' ? 'success' : deal.status === 'lost' ? 'danger' : undefined}>{dealStatusLabels[deal.status]}</Badge>
      </div>

      <div className="detail-grid">
        <div className="stack">
          <section className="card" aria-labelledby="deal-title">
            <h2 id="deal-title">Deal</h2>
            <Form method="post" action={pageAction} className="stack" noValidate ref={dealRef} aria-labelledby="deal-title">
              <input type="hidden" name="intent" value="update-deal" />
              <FormNotice result={result} intent="update-deal" />
              <FormError failure={dealFailure} />
              <fieldset disabled={!canDecide} className="plain stack">
                <legend className="sr-only">Deal fields</legend>
                <div className="grid-2">
                  <InputField label="Amount" name="amount" inputMode="decimal" maxLength={30} placeholder="25000" defaultValue={valueOf(dealFailure, 'amount', deal.amount === null ? '' : String(deal.amount))} errors={dealFailure?.fieldErrors.amount} />
                  <InputField label="Currency" name="currency" maxLength={3} autoCapitalize="characters" placeholder="EUR" hint="A three-letter code, like EUR or USD." defaultValue={valueOf(dealFailure, 'currency', deal.currency)} errors={dealFailure?.fieldErrors.currency} />
                  <InputField label="Expected close" name="expectedClose" type="date" defaultValue={valueOf(dealFailure, 'expectedClose', deal.expectedClose)} errors={dealFailure?.fieldErrors.expectedClose} />
                  <SelectControl
                    label="Vendor owner"
                    name="ownerUserId"
                    options={[{ value: '', label: 'Unassigned' }, ...ownerOptions]}
                    defaultValue={valueOf(dealFailure, 'ownerUserId', deal.ownerUserId)}
                    errors={dealFailure?.fieldErrors.ownerUserId}
                  />
                </div>
                <TextAreaField label="Next step" name="nextStep" rows={2} maxLength={2000} defaultValue={valueOf(dealFailure, 'nextStep', deal.nextStep)} errors={dealFailure?.fieldErrors.nextStep} />
                <div className="grid-2">
                  <InputField
                    label="Discount"
                    name="discountPercent"
                    type="number"
                    inputMode="decimal"
                    min={0}
                    max={100}
                    step="any"
                    suffix="%"
                    hint="Never shown to partners."
                    defaultValue={valueOf(dealFailure, 'discountPercent', deal.discountPercent === null ? '' : String(deal.discountPercent))}
                    errors={dealFailure?.fieldErrors.discountPercent}
                  />
                </div>
                <TextAreaField label="Internal notes" name="internalNotes" rows={4} maxLength={10_000} hint="For your team only; partners never see these." defaultValue={valueOf(dealFailure, 'internalNotes', deal.internalNotes)} errors={dealFailure?.fieldErrors.internalNotes} />
              </fieldset>
              {canDecide ? (
                <div>
                  <SubmitButton pending={saving} pendingLabel="Saving…">
                    Save deal
                  </SubmitButton>
                </div>
              ) : (
                <p className="muted">Your role can view deals but not change them.</p>
              )}
            </Form>
          </section>

          <section className="card" aria-labelledby="attribution-title">
            <h2 id="attribution-title">Partner attribution</h2>
            <AttributionEditor key={JSON.stringify(deal.partners)} deal={deal} failure={attributionFailure} partnerOptions={partnerOptions} canDecide={canDecide} pending={attributing} />
            {deal.partners.length > 0 ? (
              <>
                <h3>What each partner sees</h3>
                <ul className="plain-list">
                  {deal.partners.map((partner) => (
                    <li key={partner.partnerId}>
                      <Link to={`/pipeline/preview/${partner.partnerId}`}>Preview as {partner.name}</Link> <span className="muted small">({attributionText(partner.attribution, partner.percent)})</span>
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </section>
        </div>

        <aside className="stack" aria-label="Stage">
          <section className="card" aria-labelledby="stage-title">
            <h2 id="stage-title">Stage</h2>
            {stages.length > 0 ? (
              <ol className="stage-path">
                {stages.map((stage, index) => (
                  <li key={stage.key} aria-current={index === currentIndex ? 'step' : undefined} className={index < currentIndex ? 'done' : index === currentIndex ? 'current' : undefined}>
                    {stage.label}
                    {index === currentIndex ? <span className="sr-only"> (current stage)</span> : null}
                  </li>
                ))}
              </ol>
            ) : null}
            {current ? (
              current.exitFields.length > 0 ? (
                <div>
                  <p id="exit-fields-title">
                    To move on from <strong>{current.label}</strong>, fill in:
                  </p>
                  <ul className="exit-fields" aria-labelledby="exit-fields-title">
                    {current.exitFields.map((field) => (
                      <li key={field} className={filled[field] ? 'filled' : 'missing'}>
                        <span aria-hidden="true">{filled[field] ? '✓' : '○'}</span> {exitFieldLabels[field] ?? field}
                        <span className="sr-only">{filled[field] ? ' (filled in)' : ' (missing)'}</span>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : (
                <p className="muted">{current.label} has no exit fields: the deal can move on at any time.</p>
              )
            ) : (
              <p className="muted">The deal’s stage “{deal.stageLabel}” is not one of this motion’s stages any more; choose one below.</p>
            )}
            {open ? (
              canDecide ? (
                <Form method="post" action={pageAction} className="stack" noValidate ref={stageRef} aria-labelledby="stage-title">
                  <input type="hidden" name="intent" value="move-stage" />
                  <FormNotice result={result} intent="move-stage" />
                  {/* The missing fields are said next to the stage control; a whole-form message would only repeat them. */}
                  <FormError failure={stageErrors?.length ? null : stageFailure} />
                  <SelectControl
                    label="Move to stage"
                    name="stage"
                    optionalMark={false}
                    options={stages.map((stage, index) => ({ value: stage.key, label: `${index + 1}. ${stage.label}${index === currentIndex ? ' (current)' : ''}` }))}
                    defaultValue={valueOf(stageFailure, 'stage', deal.stage)}
                    errors={stageErrors}
                    hint="Moving forward needs every exit field of the stages it leaves. Moving back is always allowed."
                  />
                  <div>
                    <SubmitButton pending={moving} pendingLabel="Moving…">
                      Move deal
                    </SubmitButton>
                  </div>
                </Form>
              ) : null
            ) : (
              <p className="muted">This deal is {deal.status}; closed deals keep their last stage.</p>
            )}
          </section>

          {canDecide && deal.status === 'open' ? (
            <section className="card" aria-labelledby="close-title">
              <h2 id="close-title">Close the deal</h2>
              <FormNotice result={result} intent="close" />
              <FormError failure={errorsFor(result, 'close')} />
              <Form method="post" action={pageAction} className="stack">
                <input type="hidden" name="intent" value="close" />
                <div className="field">
                  <label htmlFor="close-reason">
                    Note <span className="muted">(optional; the partner sees it for a lost deal from a registration)</span>
                  </label>
                  <textarea id="close-reason" name="reason" rows={2} maxLength={2000} />
                </div>
                <div className="button-row">
                  <button type="submit" name="outcome" value="won" className="button" disabled={closing} aria-busy={closing || undefined}>
                    Mark won
                  </button>
                  <button type="submit" name="outcome" value="lost" className="button secondary" disabled={closing} aria-busy={closing || undefined}>
                    Mark lost
                  </button>
                </div>
              </Form>
            </section>
          ) : null}

          <section className="card" aria-labelledby="facts-title">
            <h2 id="facts-title">At a glance</h2>
            <dl className="details">
              <dt>Amount</dt>
              <dd>{formatMoney(deal.amount, deal.currency)}</dd>
              <dt>Expected close</dt>
              <dd>{formatDate(deal.expectedClose)}</dd>
              <dt>Owner</dt>
              <dd className="wrap-anywhere">{deal.ownerName ?? 'Unassigned'}</dd>
              <dt>Protection ends</dt>
              <dd>{formatDate(deal.protectionEndsAt)}</dd>
              <dt>Discount</dt>
              <dd>{deal.discountPercent === null ? '—' : `${deal.discountPercent} %`}</dd>
            </dl>
          </section>
        </aside>
      </div>
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent back={{ href: '/pipeline', label: 'Back to the pipeline' }} />
}
