import { AppError, staffCan } from '@accord/core'
import { Field, SelectField, SubmitButton } from '@accord/ui'
import { type ActionFunctionArgs, type LoaderFunctionArgs, data } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorContent } from '~/components/error-page'
import { InputField, SelectControl } from '~/components/form-controls'
import { ConfirmAction, FormError, FormNotice, useFormFeedback, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { type FormFailure, errorsFor, formValues } from '~/lib/forms'
import { pageMeta } from '~/lib/meta'
import { actionFailure, actionSuccess } from '~/server/action-result.server'
import { renameFieldErrors } from '~/server/field-errors.server'
import { requireStaff } from '~/server/guard.server'
import { formAction } from '~/server/form-boundary.server'

export const meta = pageMeta('Programme')

/** The numeric rules, in the order the form shows them, with core's bounds. */
const NUMBER_RULES = [
  { name: 'decisionSlaHours', label: 'Decision SLA', unit: 'business hours', min: 1, max: 720, group: 'sla', hint: 'How long your team has to approve or reject a registration, counted in business hours.' },
  { name: 'slaReminderHoursBefore', label: 'Remind reviewers', unit: 'business hours before the SLA', min: 1, max: 240, group: 'sla', hint: 'Reviewers get a reminder this long before a decision is due.' },
  { name: 'protectionWindowDays', label: 'Protection window', unit: 'days', min: 1, max: 365, group: 'protection', hint: 'How long an approved registration protects the partner’s claim.' },
  { name: 'expiryReminderDays', label: 'Expiry reminder', unit: 'days before', min: 0, max: 60, group: 'protection', hint: 'The partner is reminded before protection ends. 0 turns the reminder off.' },
  { name: 'extensionDays', label: 'Extension', unit: 'days', min: 1, max: 180, group: 'protection', hint: 'Logging the next step extends protection by this much.' },
  { name: 'maxExtensions', label: 'Extensions allowed', unit: 'per registration', min: 0, max: 10, group: 'protection', hint: 'How often protection can be extended.' },
  { name: 'idleAfterDays', label: 'Idle after', unit: 'days without activity', min: 1, max: 365, group: 'protection', hint: 'Approved registrations with no logged activity for this long are flagged idle.' },
  { name: 'appealWindowDays', label: 'Appeal window', unit: 'days', min: 0, max: 90, group: 'protection', hint: 'How long a partner may appeal a rejection with evidence. 0 turns appeals off.' },
  { name: 'establishedAfterDays', label: 'Established partner after', unit: 'days', min: 0, max: 3650, group: 'conflicts', hint: 'For “Established partner beats new partner”: how long a partner must have been in the programme.' },
] as const
type NumberRule = (typeof NUMBER_RULES)[number]

const HIERARCHY_POSITIONS = 6
const WEEKDAYS = [
  { value: '1', label: 'Monday' },
  { value: '2', label: 'Tuesday' },
  { value: '3', label: 'Wednesday' },
  { value: '4', label: 'Thursday' },
  { value: '5', label: 'Friday' },
  { value: '6', label: 'Saturday' },
  { value: '7', label: 'Sunday' },
] as const

const POLICY_TEXT_FIELDS = [...NUMBER_RULES.map((rule) => rule.name), 'timeZone', 'startHour', 'endHour'] as const
const HIERARCHY_FIELDS = Array.from({ length: HIERARCHY_POSITIONS }, (_, index) => `hierarchy.${index}`)
const TERRITORY_FIELDS = ['region', 'partnerId'] as const
const ROUTE_FIELDS = ['region', 'minAmount', 'maxAmount', 'approverUserId', 'position'] as const
const BLOCK_FIELDS = ['website', 'name', 'reason'] as const

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller, user, headers } = await requireStaff(request, context, 'registrations.view')
  const policy = await caller.admin.programme.registrationPolicy()
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  const timeZones = zones.includes(policy.businessHours.timeZone) ? zones : [policy.businessHours.timeZone, ...zones]
  return data({ policy, timeZones, canManage: staffCan(user.staffRole, 'programme.manage') }, { headers })
}

const strings = (form: FormData, name: string) => form.getAll(name).filter((value): value is string => typeof value === 'string')

export const action = formAction(async ({ request, context }: ActionFunctionArgs) => {
  const { caller } = await requireStaff(request, context, 'programme.manage')
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  switch (intent) {
    case 'policy': {
      const text = formValues(form, POLICY_TEXT_FIELDS)
      const workingDays = strings(form, 'workingDays')
      const positions = formValues(form, HIERARCHY_FIELDS)
      const values: Record<string, string> = { ...text, ...positions, workingDays: workingDays.join(',') }
      const fields = [...POLICY_TEXT_FIELDS, 'workingDays', 'hierarchy', ...HIERARCHY_FIELDS]
      // Positions left at "—" are skipped: core's `hierarchy.<i>` is the i-th position with a rule.
      const used = HIERARCHY_FIELDS.filter((name) => positions[name])
      const hierarchy = used.map((name) => positions[name] ?? '')
      const repeated = used.filter((name, index) => used.slice(0, index).some((earlier) => positions[earlier] === positions[name]))
      if (repeated.length > 0) {
        const error = AppError.validation(Object.fromEntries(repeated.map((name) => [name, ['This rule is already used at an earlier position; choose another or “—”.']])))
        return actionFailure(error, { intent, fields, values })
      }
      try {
        await caller.admin.programme.updateRegistrationPolicy({ ...text, workingDays, hierarchy })
        return actionSuccess(intent, 'Registration policy saved. New registrations and timers use it from now on.')
      } catch (error) {
        // Core reports list items as `workingDays.0` / `hierarchy.2`; the form shows them on the day group and the position.
        const rename = (key: string) => {
          if (key.startsWith('workingDays.')) return 'workingDays'
          const position = /^hierarchy\.(\d+)$/.exec(key)
          return position ? (used[Number(position[1])] ?? 'hierarchy') : key
        }
        return actionFailure(renameFieldErrors(error, rename), { intent, fields, values })
      }
    }
    case 'motion': {
      const motion = String(form.get('motion') ?? '')
      const count = Math.min(12, Number(form.get('stageCount') ?? 0) || 0)
      const stages = Array.from({ length: count }, (_, index) => ({
        key: String(form.get(`stages.${index}.key`) ?? ''),
        label: String(form.get(`stages.${index}.label`) ?? ''),
        exitFields: strings(form, `stages.${index}.exitFields`),
        remove: form.get(`stages.${index}.remove`) === 'on',
      }))
      try {
        await caller.admin.programme.updateMotionStages({ motion, label: String(form.get('label') ?? ''), stages })
        return actionSuccess(`motion-${motion}`, 'Stages saved. Deals keep their stage; the new exit rules apply from the next move.')
      } catch (error) {
        return actionFailure(error, { intent: `motion-${motion}`, fields: ['label'] })
      }
    }
    case 'safe-fields': {
      const fields = strings(form, 'fields')
      try {
        await caller.admin.pipeline.updateSafeFields({ fields })
        return actionSuccess(intent, fields.length === 0 ? 'Saved: partners now see only the customer and their attribution.' : 'Partner-safe fields saved. Partners see the change straight away.')
      } catch (error) {
        return actionFailure(renameFieldErrors(error, (key) => (key.startsWith('fields') ? 'fields' : key)), { intent, fields: ['fields'], values: { fields: fields.join(',') } })
      }
    }
    case 'add-territory': {
      const values = formValues(form, TERRITORY_FIELDS)
      try {
        await caller.admin.programme.addTerritory(values)
        return actionSuccess(intent, `Territory “${values.region.trim()}” added.`)
      } catch (error) {
        return actionFailure(error, { intent, fields: TERRITORY_FIELDS, values })
      }
    }
    case 'add-route': {
      const values = formValues(form, ROUTE_FIELDS)
      try {
        await caller.admin.programme.addApprovalRoute({ ...values, position: values.position || undefined })
        return actionSuccess(intent, 'Approval route added.')
      } catch (error) {
        return actionFailure(error, { intent, fields: ROUTE_FIELDS, values })
      }
    }
    case 'block': {
      const values = formValues(form, BLOCK_FIELDS)
      try {
        await caller.admin.programme.blockAccount(values)
        return actionSuccess(intent, `${values.name.trim()} is blocked: partner registrations for it go to review.`)
      } catch (error) {
        return actionFailure(error, { intent, fields: BLOCK_FIELDS, values })
      }
    }
    case 'remove-territory':
    case 'remove-route':
    case 'unblock': {
      try {
        if (intent === 'remove-territory') await caller.admin.programme.removeTerritory({ territoryId: String(form.get('territoryId') ?? '') })
        else if (intent === 'remove-route') await caller.admin.programme.removeApprovalRoute({ routeId: String(form.get('routeId') ?? '') })
        else await caller.admin.programme.unblockAccount({ accountId: String(form.get('accountId') ?? '') })
        return actionSuccess(intent, intent === 'remove-territory' ? 'Territory removed.' : intent === 'remove-route' ? 'Approval route removed.' : 'Account unblocked.')
      } catch (error) {
        return actionFailure(error, { intent })
      }
    }
    default:
      return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent })
  }
}, { intent: (form) => (form.get('intent') === 'motion' ? `motion-${String(form.get('motion') ?? '')}` : String(form.get('intent') ?? '')) })

const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`
const amountText = (value: number | null) => (value === null ? '—' : value.toLocaleString('en-GB', { maximumFractionDigits: 2 }))

function NumberRuleField({ rule, failure, saved }: { rule: NumberRule; failure: FormFailure | null; saved: number }) {
  return (
    <InputField
      label={rule.label}
      name={rule.name}
      type="number"
      inputMode="numeric"
      min={rule.min}
      max={rule.max}
      step={1}
      optionalMark={false}
      suffix={rule.unit}
      hint={`${rule.hint} ${rule.min}–${rule.max}.`}
      defaultValue={valueOf(failure, rule.name, String(saved))}
      errors={failure?.fieldErrors[rule.name]}
    />
  )
}

function GroupError({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages?.length) return null
  return (
    <p className="error" id={id} role="alert">
      {messages.join(' ')}
    </p>
  )
}

export default function ProgrammeSettings() {
  const pageAction = usePageAction()
  const { policy, timeZones, canManage } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const policyFailure = errorsFor(result, 'policy')
  const safeFailure = errorsFor(result, 'safe-fields')
  const territoryFailure = errorsFor(result, 'add-territory')
  const routeFailure = errorsFor(result, 'add-route')
  const blockFailure = errorsFor(result, 'block')
  const policyRef = useFormFeedback(result, 'policy')
  const safeRef = useFormFeedback(result, 'safe-fields')
  const territoryRef = useFormFeedback(result, 'add-territory', { resetOnSuccess: true })
  const routeRef = useFormFeedback(result, 'add-route', { resetOnSuccess: true })
  const blockRef = useFormFeedback(result, 'block', { resetOnSuccess: true })
  const savingPolicy = useSubmitting('policy')
  const savingSafe = useSubmitting('safe-fields')
  const savingMotion = useSubmitting('motion')
  const addingTerritory = useSubmitting('add-territory')
  const addingRoute = useSubmitting('add-route')
  const blocking = useSubmitting('block')
  const removingTerritory = useSubmitting('remove-territory')
  const removingRoute = useSubmitting('remove-route')
  const unblocking = useSubmitting('unblock')
  const rowFailure = (intent: string) => (result && !result.ok && result.intent === intent ? result : null)

  const values = (saved: FormFailure | null, name: string, fallback: readonly (string | number)[]) => (saved?.values[name] !== undefined ? saved.values[name].split(',').filter(Boolean) : fallback.map(String))
  const workingDays = values(policyFailure, 'workingDays', policy.businessHours.workingDays)
  const safeFields = values(safeFailure, 'fields', policy.partnerSafeDealFields)
  const rule = (name: NumberRule['name']) => NUMBER_RULES.find((candidate) => candidate.name === name) as NumberRule
  const saved: Record<NumberRule['name'], number> = { ...policy.registration, establishedAfterDays: policy.conflicts.establishedAfterDays }
  const ruleOptions = [{ value: '', label: '—' }, ...policy.conflictRules.map((conflictRule) => ({ value: conflictRule.key, label: conflictRule.label }))]
  const hierarchyErrors = policyFailure?.fieldErrors.hierarchy
  const workingDayErrors = policyFailure?.fieldErrors.workingDays
  const partnerOptions = policy.partners.map((partner) => ({ value: partner.id, label: partner.name }))
  const approverOptions = policy.approvers.map((approver) => ({ value: approver.id, label: approver.name }))

  return (
    <>
      <h1>Programme</h1>
      <p className="muted">The registration rules of your partner programme: deadlines, protection, conflicts, what partners see of deals, territories, approvals and blocked customers.</p>
      {canManage ? null : <p className="alert info">Only owners and admins can change the programme. You can see the current rules.</p>}

      <section className="card" aria-labelledby="policy-title">
        <h2 id="policy-title">Registration policy</h2>
        <Form method="post" action={pageAction} className="stack" noValidate ref={policyRef} aria-labelledby="policy-title">
          <input type="hidden" name="intent" value="policy" />
          <FormNotice result={result} intent="policy" />
          <FormError failure={policyFailure} />
          <fieldset disabled={!canManage} className="plain stack">
            <legend className="sr-only">Registration policy</legend>

            <fieldset className="settings-group">
              <legend>Decision deadline</legend>
              <div className="grid-2">
                <NumberRuleField rule={rule('decisionSlaHours')} failure={policyFailure} saved={saved.decisionSlaHours} />
                <NumberRuleField rule={rule('slaReminderHoursBefore')} failure={policyFailure} saved={saved.slaReminderHoursBefore} />
              </div>
            </fieldset>

            <fieldset className="settings-group">
              <legend>Business hours</legend>
              <p className="hint">The decision deadline only counts these hours.</p>
              <div className="grid-3">
                <SelectControl label="Time zone" name="timeZone" optionalMark={false} options={timeZones.map((zone) => ({ value: zone, label: zone.replace(/_/g, ' ') }))} defaultValue={valueOf(policyFailure, 'timeZone', policy.businessHours.timeZone)} errors={policyFailure?.fieldErrors.timeZone} />
                <SelectControl
                  label="Opening"
                  name="startHour"
                  optionalMark={false}
                  options={Array.from({ length: 24 }, (_, hour) => ({ value: String(hour), label: hourLabel(hour) }))}
                  defaultValue={valueOf(policyFailure, 'startHour', String(policy.businessHours.startHour))}
                  errors={policyFailure?.fieldErrors.startHour}
                />
                <SelectControl
                  label="Closing"
                  name="endHour"
                  optionalMark={false}
                  options={Array.from({ length: 24 }, (_, index) => ({ value: String(index + 1), label: hourLabel(index + 1) }))}
                  defaultValue={valueOf(policyFailure, 'endHour', String(policy.businessHours.endHour))}
                  errors={policyFailure?.fieldErrors.endHour}
                />
              </div>
              <fieldset className="checkbox-group" aria-describedby={workingDayErrors?.length ? 'working-days-error' : undefined} aria-invalid={workingDayErrors?.length ? true : undefined}>
                <legend>Working days</legend>
                <div className="checkbox-row">
                  {WEEKDAYS.map((day) => (
                    <label key={day.value} className="checkbox">
                      <input type="checkbox" name="workingDays" value={day.value} defaultChecked={workingDays.includes(day.value)} /> {day.label}
                    </label>
                  ))}
                </div>
                <GroupError id="working-days-error" messages={workingDayErrors} />
              </fieldset>
            </fieldset>

            <fieldset className="settings-group">
              <legend>Protection</legend>
              <div className="grid-2">
                {(['protectionWindowDays', 'expiryReminderDays', 'extensionDays', 'maxExtensions', 'idleAfterDays', 'appealWindowDays'] as const).map((name) => (
                  <NumberRuleField key={name} rule={rule(name)} failure={policyFailure} saved={saved[name]} />
                ))}
              </div>
            </fieldset>

            <fieldset className="settings-group" aria-describedby={`hierarchy-hint${hierarchyErrors?.length ? ' hierarchy-error' : ''}`}>
              <legend>Conflict hierarchy</legend>
              <p className="hint" id="hierarchy-hint">
                When partners claim the same customer, these rules decide, first position first. Choose “—” to leave a position empty; each rule can be used once.
              </p>
              <GroupError id="hierarchy-error" messages={hierarchyErrors} />
              <ol className="hierarchy-list">
                {HIERARCHY_FIELDS.map((name, index) => (
                  <li key={name}>
                    <SelectControl label={`Position ${index + 1}`} name={name} optionalMark={false} options={ruleOptions} defaultValue={valueOf(policyFailure, name, policy.conflicts.hierarchy[index] ?? '')} errors={policyFailure?.fieldErrors[name]} />
                  </li>
                ))}
              </ol>
              <div className="grid-2">
                <NumberRuleField rule={rule('establishedAfterDays')} failure={policyFailure} saved={saved.establishedAfterDays} />
              </div>
            </fieldset>
          </fieldset>
          {canManage ? (
            <div>
              <SubmitButton pending={savingPolicy} pendingLabel="Saving…">
                Save registration policy
              </SubmitButton>
            </div>
          ) : null}
        </Form>
      </section>

      <section className="card" aria-labelledby="motions-title">
        <h2 id="motions-title">Motions and stages</h2>
        <p className="hint">Each deal follows its motion’s stages. A deal cannot leave a stage until the fields ticked for that stage are filled in. Renaming a stage keeps its deals; a stage that still holds open deals cannot be removed.</p>
        {policy.motions.map((motion) => {
          const intent = `motion-${motion.key}`
          const motionFailure = errorsFor(result, intent)
          const rows = [...motion.stages, { key: '', label: '', exitFields: [] as string[] }]
          return (
            <details key={motion.key} className="motion-editor" open={Boolean(motionFailure) || undefined}>
              <summary>
                <strong>{motion.label}</strong> <span className="muted">· {motion.stages.map((stage) => stage.label).join(' → ')}</span>
              </summary>
              <Form method="post" action={pageAction} className="stack" noValidate>
                <input type="hidden" name="intent" value="motion" />
                <input type="hidden" name="motion" value={motion.key} />
                <input type="hidden" name="stageCount" value={rows.length} />
                <FormNotice result={result} intent={intent} />
                <FormError failure={motionFailure} />
                <fieldset disabled={!canManage} className="plain stack">
                  <legend className="sr-only">Stages of {motion.label}</legend>
                  <div className="field">
                    <label htmlFor={`${intent}-label`}>Motion name</label>
                    <input id={`${intent}-label`} name="label" defaultValue={motion.label} maxLength={60} />
                  </div>
                  <div className="table-wrap">
                    <table className="data">
                      <caption className="sr-only">Stages of {motion.label}, in order</caption>
                      <thead>
                        <tr>
                          <th scope="col">#</th>
                          <th scope="col">Stage</th>
                          <th scope="col">Required before leaving it</th>
                          <th scope="col">Remove</th>
                        </tr>
                      </thead>
                      <tbody>
                        {rows.map((stage, index) => (
                          <tr key={`${stage.key}-${index}`}>
                            <td>{index + 1}</td>
                            <td>
                              <input type="hidden" name={`stages.${index}.key`} value={stage.key} />
                              <label className="sr-only" htmlFor={`${intent}-stage-${index}`}>
                                Stage {index + 1} name
                              </label>
                              <input id={`${intent}-stage-${index}`} name={`stages.${index}.label`} defaultValue={stage.label} maxLength={60} placeholder={stage.key ? undefined : 'Add a stage…'} />
                            </td>
                            <td>
                              <div className="checkbox-row">
                                {policy.exitFields.map((field) => (
                                  <label key={field.key} className="checkbox">
                                    <input type="checkbox" name={`stages.${index}.exitFields`} value={field.key} defaultChecked={stage.exitFields.includes(field.key)} /> {field.label}
                                  </label>
                                ))}
                              </div>
                            </td>
                            <td>
                              {stage.key ? (
                                <label className="checkbox">
                                  <input type="checkbox" name={`stages.${index}.remove`} aria-label={`Remove ${stage.label}`} /> <span aria-hidden="true">Remove</span>
                                </label>
                              ) : null}
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </fieldset>
                {canManage ? (
                  <div>
                    <SubmitButton pending={savingMotion} pendingLabel="Saving…">
                      Save {motion.label} stages
                    </SubmitButton>
                  </div>
                ) : null}
              </Form>
            </details>
          )
        })}
      </section>

      <section className="card" aria-labelledby="safe-fields-title">
        <h2 id="safe-fields-title">Partner-safe deal fields</h2>
        <Form method="post" action={pageAction} className="stack" noValidate ref={safeRef} aria-labelledby="safe-fields-title">
          <input type="hidden" name="intent" value="safe-fields" />
          <FormNotice result={result} intent="safe-fields" />
          <FormError failure={safeFailure} />
          <fieldset disabled={!canManage} className="checkbox-group plain" aria-describedby={`safe-fields-hint${safeFailure?.fieldErrors.fields?.length ? ' safe-fields-error' : ''}`}>
            <legend className="sr-only">Fields partners may see</legend>
            <p className="hint" id="safe-fields-hint">
              Partners see the deals they are attributed to: the customer, their own attribution and the fields ticked here. Discounts, internal notes and other partners on a deal are never shared.
            </p>
            <div className="checkbox-row">
              {policy.shareableFields.map((field) => (
                <label key={field.key} className="checkbox">
                  <input type="checkbox" name="fields" value={field.key} defaultChecked={safeFields.includes(field.key)} /> {field.label}
                </label>
              ))}
            </div>
            <GroupError id="safe-fields-error" messages={safeFailure?.fieldErrors.fields} />
          </fieldset>
          {canManage ? (
            <div>
              <SubmitButton pending={savingSafe} pendingLabel="Saving…">
                Save partner-safe fields
              </SubmitButton>
            </div>
          ) : null}
        </Form>
      </section>

      <section className="card" aria-labelledby="territories-title">
        <h2 id="territories-title">Territories</h2>
        <p className="muted">A region owned by one partner: another partner’s registration in that region is flagged for review.</p>
        <FormNotice result={result} intent="remove-territory" />
        <FormError failure={rowFailure('remove-territory')} />
        {policy.territories.length === 0 ? (
          <p className="muted">No territories yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Territories</caption>
              <thead>
                <tr>
                  <th scope="col">Region</th>
                  <th scope="col">Partner</th>
                  {canManage ? (
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {policy.territories.map((territory) => (
                  <tr key={territory.id}>
                    <td className="wrap-anywhere">{territory.region}</td>
                    <td className="wrap-anywhere">{territory.partnerName}</td>
                    {canManage ? (
                      <td className="actions">
                        <ConfirmAction label="Remove…" confirmLabel={`Yes, remove ${territory.region}`} pendingLabel="Removing…" pending={removingTerritory} intent="remove-territory" hidden={{ territoryId: territory.id }}>
                          {territory.partnerName} no longer owns {territory.region}; registrations there by other partners are no longer flagged for it.
                        </ConfirmAction>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canManage ? (
          <Form method="post" action={pageAction} className="stack add-form" noValidate ref={territoryRef} aria-labelledby="add-territory-title">
            <h3 id="add-territory-title">Add a territory</h3>
            <input type="hidden" name="intent" value="add-territory" />
            <FormNotice result={result} intent="add-territory" />
            <FormError failure={territoryFailure} />
            {partnerOptions.length === 0 ? (
              <p className="muted">Add an active partner organisation first.</p>
            ) : (
              <>
                <div className="grid-2">
                  <Field label="Region" name="region" required maxLength={80} placeholder="e.g. DACH" defaultValue={valueOf(territoryFailure, 'region')} errors={territoryFailure?.fieldErrors.region} />
                  <SelectField label="Partner" name="partnerId" required placeholder="Choose a partner…" options={partnerOptions} defaultValue={valueOf(territoryFailure, 'partnerId')} errors={territoryFailure?.fieldErrors.partnerId} />
                </div>
                <div>
                  <SubmitButton pending={addingTerritory} pendingLabel="Adding…" variant="secondary">
                    Add territory
                  </SubmitButton>
                </div>
              </>
            )}
          </Form>
        ) : null}
      </section>

      <section className="card" aria-labelledby="routes-title">
        <h2 id="routes-title">Approval routes</h2>
        <p className="muted">Who decides a registration, by region and deal amount. The first matching route (lowest order) picks the approver; without a match, every partner manager may decide.</p>
        <FormNotice result={result} intent="remove-route" />
        <FormError failure={rowFailure('remove-route')} />
        {policy.routes.length === 0 ? (
          <p className="muted">No approval routes yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Approval routes, in the order they are tried</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Order
                  </th>
                  <th scope="col">Region</th>
                  <th scope="col" className="num">
                    From amount
                  </th>
                  <th scope="col" className="num">
                    Up to amount
                  </th>
                  <th scope="col">Approver</th>
                  {canManage ? (
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {policy.routes.map((route) => (
                  <tr key={route.id}>
                    <td className="num">{route.position}</td>
                    <td className="wrap-anywhere">{route.region ?? <span className="muted">Any region</span>}</td>
                    <td className="num">{amountText(route.minAmount)}</td>
                    <td className="num">{amountText(route.maxAmount)}</td>
                    <td className="wrap-anywhere">{route.approverName}</td>
                    {canManage ? (
                      <td className="actions">
                        <ConfirmAction label="Remove…" confirmLabel="Yes, remove this route" pendingLabel="Removing…" pending={removingRoute} intent="remove-route" hidden={{ routeId: route.id }}>
                          Registrations that matched this route go to the next matching route, or to every partner manager.
                        </ConfirmAction>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canManage ? (
          <Form method="post" action={pageAction} className="stack add-form" noValidate ref={routeRef} aria-labelledby="add-route-title">
            <h3 id="add-route-title">Add an approval route</h3>
            <input type="hidden" name="intent" value="add-route" />
            <FormNotice result={result} intent="add-route" />
            <FormError failure={routeFailure} />
            <div className="grid-2">
              <Field label="Region" name="region" maxLength={80} placeholder="Any region" hint="Empty: any region." defaultValue={valueOf(routeFailure, 'region')} errors={routeFailure?.fieldErrors.region} />
              <SelectField label="Approver" name="approverUserId" required placeholder="Choose an approver…" options={approverOptions} hint="Owners, admins and partner managers." defaultValue={valueOf(routeFailure, 'approverUserId')} errors={routeFailure?.fieldErrors.approverUserId} />
              <InputField label="From amount" name="minAmount" inputMode="decimal" maxLength={20} placeholder="0" hint="Empty: no lower bound." defaultValue={valueOf(routeFailure, 'minAmount')} errors={routeFailure?.fieldErrors.minAmount} />
              <InputField label="Up to amount" name="maxAmount" inputMode="decimal" maxLength={20} placeholder="50000" hint="Empty: no upper bound." defaultValue={valueOf(routeFailure, 'maxAmount')} errors={routeFailure?.fieldErrors.maxAmount} />
              <InputField label="Order" name="position" type="number" inputMode="numeric" min={0} max={1000} step={1} hint="Lower numbers are tried first. Empty: 0." defaultValue={valueOf(routeFailure, 'position')} errors={routeFailure?.fieldErrors.position} />
            </div>
            <div>
              <SubmitButton pending={addingRoute} pendingLabel="Adding…" variant="secondary">
                Add route
              </SubmitButton>
            </div>
          </Form>
        ) : null}
      </section>

      <section className="card" aria-labelledby="blocked-title">
        <h2 id="blocked-title">Blocked accounts</h2>
        <p className="muted">Customers you serve directly. Partner registrations for them always go to review; partners never see the reason.</p>
        <FormNotice result={result} intent="unblock" />
        <FormError failure={rowFailure('unblock')} />
        {policy.blockedAccounts.length === 0 ? (
          <p className="muted">No blocked accounts.</p>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Blocked accounts</caption>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Domain</th>
                  <th scope="col">Reason</th>
                  {canManage ? (
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {policy.blockedAccounts.map((account) => (
                  <tr key={account.id}>
                    <td className="wrap-anywhere">{account.name}</td>
                    <td className="wrap-anywhere">{account.domain ?? '—'}</td>
                    <td className="wrap-anywhere">{account.reason ?? '—'}</td>
                    {canManage ? (
                      <td className="actions">
                        <ConfirmAction label="Unblock…" confirmLabel={`Yes, unblock ${account.name}`} pendingLabel="Unblocking…" pending={unblocking} intent="unblock" hidden={{ accountId: account.id }}>
                          Partners can register {account.name} again like any other customer.
                        </ConfirmAction>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canManage ? (
          <Form method="post" action={pageAction} className="stack add-form" noValidate ref={blockRef} aria-labelledby="block-title">
            <h3 id="block-title">Block an account</h3>
            <input type="hidden" name="intent" value="block" />
            <FormNotice result={result} intent="block" />
            <FormError failure={blockFailure} />
            <div className="grid-2">
              <Field label="Website or domain" name="website" required inputMode="url" maxLength={300} placeholder="acme.com" defaultValue={valueOf(blockFailure, 'website')} errors={blockFailure?.fieldErrors.website} />
              <Field label="Customer name" name="name" required maxLength={200} placeholder="Acme Inc." defaultValue={valueOf(blockFailure, 'name')} errors={blockFailure?.fieldErrors.name} />
            </div>
            <Field label="Reason" name="reason" required maxLength={500} hint="For your team; partners never see it." defaultValue={valueOf(blockFailure, 'reason')} errors={blockFailure?.fieldErrors.reason} />
            <div>
              <SubmitButton pending={blocking} pendingLabel="Blocking…" variant="secondary">
                Block account
              </SubmitButton>
            </div>
          </Form>
        ) : null}
      </section>
    </>
  )
}

export function ErrorBoundary() {
  return <ErrorContent />
}
