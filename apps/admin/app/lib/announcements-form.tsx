import { FieldError, RichTextEditor, SubmitButton } from '@accord/ui'
import { Form, Link } from '@remix-run/react'
import { type ReactNode, useId } from 'react'
import { CheckboxGroup, InputField } from '~/components/form-controls'
import { FormError, usePageAction, useSubmitting, valueOf } from '~/components/forms'
import { ANNOUNCEMENT_CHANNELS, ANNOUNCEMENT_MOTIONS, channelLabels, motionLabels, readAudience, toDateTimeLocal } from './announcements'
import type { FormFailure } from './forms'

/**
 * The announcement editor (new and edit pages): title, rich text, channels,
 * audience, acknowledgement, then Save draft / Publish now / Schedule. Every
 * field shows the server's message next to it; dates are UTC.
 */

export interface EditorAnnouncement {
  id: string
  title: string
  body_html: string
  status: string
  channels: string[]
  audience: unknown
  ack_required: boolean
  ack_due_at: Date | string | null
  publish_at: Date | string | null
}

const lines = (value: string) => value.split('\n').filter(Boolean)

function describedBy(...ids: Array<string | null | false | undefined>): string | undefined {
  return ids.filter(Boolean).join(' ') || undefined
}

function DateTimeField(props: { label: string; name: string; defaultValue: string; errors?: string[] | null; hint?: ReactNode }) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label} <span className="muted">(UTC)</span>
      </label>
      <input
        id={id}
        name={props.name}
        type="datetime-local"
        defaultValue={props.defaultValue}
        aria-invalid={props.errors?.length ? true : undefined}
        aria-describedby={describedBy(props.hint ? `${id}-hint` : null, props.errors?.length ? `${id}-error` : null)}
      />
      {props.hint ? (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <FieldError id={`${id}-error`} messages={props.errors} />
    </div>
  )
}

export function AnnouncementForm(props: {
  announcement: EditorAnnouncement | null
  failure: FormFailure | null
  tierOptions: string[]
  partnerOptions: Array<{ value: string; label: string }>
  resourceOptions?: ReadonlyArray<{ url: string; title: string; kind: string }>
  formRef: React.RefObject<HTMLFormElement>
  titleId: string
}) {
  const { announcement, failure } = props
  const pageAction = usePageAction()
  const saving = useSubmitting('save')
  const publishing = useSubmitting('publish')
  const scheduling = useSubmitting('schedule')
  const partnersId = useId()
  const errors = (name: string) => failure?.fieldErrors[name]
  const audience = readAudience(announcement?.audience ?? {})
  const list = (name: string, saved: string[]) => (failure ? lines(failure.values[name] ?? '') : saved)
  const channels = list('channels', announcement?.channels ?? ['portal', 'email'])
  const tiers = list('tiers', audience.tiers)
  const tierChoices = [...new Set([...props.tierOptions, ...tiers])].map((tier) => ({ value: tier, label: tier }))
  const partnerIds = new Set(list('partnerIds', audience.partnerIds))
  const ackRequired = valueOf(failure, 'ackRequired', announcement?.ack_required ? 'on' : '') === 'on'
  const announcementId = announcement?.id ?? failure?.values.announcementId ?? ''
  const audienceErrors = [...(errors('audience') ?? [])]

  return (
    <Form method="post" action={pageAction} className="stack announcement-form" noValidate ref={props.formRef} aria-labelledby={props.titleId}>
      {announcementId ? <input type="hidden" name="announcementId" value={announcementId} /> : null}
      <FormError failure={failure} />
      <section className="card stack" aria-labelledby="announcement-content-title">
        <h2 id="announcement-content-title">Message</h2>
        <InputField label="Title" name="title" required maxLength={200} defaultValue={valueOf(failure, 'title', announcement?.title)} errors={errors('title')} />
        <RichTextEditor
          label="Text"
          name="bodyHtml"
          defaultValue={valueOf(failure, 'bodyHtml', announcement?.body_html)}
          errors={errors('bodyHtml')}
          maxLength={200_000}
          resources={props.resourceOptions}
          hint="Headings, bold, italic, lists, links, images by web address and links to library resources. Scripts and styles are removed when you save."
        />
      </section>

      <section className="card stack" aria-labelledby="announcement-delivery-title">
        <h2 id="announcement-delivery-title">Delivery</h2>
        <CheckboxGroup
          legend="Channels"
          name="channels"
          options={ANNOUNCEMENT_CHANNELS.map((channel) => ({ value: channel, label: channel === 'slack' ? 'Slack (shared channels of the targeted partners)' : channel === 'email' ? 'E-mail (one copy per person)' : 'Portal (feed and badge)' }))}
          checked={channels}
          errors={errors('channels')}
        />
        <fieldset className="settings-group stack">
          <legend>Audience</legend>
          <p className="hint">Nothing chosen: every active partner user. Tiers, motions and regions narrow it down; named partners are added on top.</p>
          {audienceErrors.length ? <FieldError id="audience-error" messages={audienceErrors} /> : null}
          <CheckboxGroup legend="Tiers" name="tiers" options={tierChoices} checked={tiers} errors={errors('audience.tiers')} className="inline" />
          <CheckboxGroup legend="Motions" name="motions" options={ANNOUNCEMENT_MOTIONS.map((motion) => ({ value: motion, label: motionLabels[motion] ?? motion }))} checked={list('motions', audience.motions)} errors={errors('audience.motions')} className="inline" />
          <InputField label="Regions" name="regions" maxLength={2000} defaultValue={valueOf(failure, 'regions', audience.regions.join(', '))} errors={errors('audience.regions')} hint="Comma-separated, as written on the partners’ pages, e.g. EMEA, DACH." />
          <div className="field">
            <label htmlFor={partnersId}>
              Named partners <span className="muted">(optional)</span>
            </label>
            <select
              id={partnersId}
              name="partnerIds"
              multiple
              size={Math.min(8, Math.max(3, props.partnerOptions.length))}
              defaultValue={[...partnerIds]}
              aria-invalid={errors('audience.partnerIds')?.length ? true : undefined}
              aria-describedby={describedBy(`${partnersId}-hint`, errors('audience.partnerIds')?.length ? `${partnersId}-error` : null)}
            >
              {props.partnerOptions.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
            <p className="hint" id={`${partnersId}-hint`}>
              {props.partnerOptions.length === 0 ? 'No active partners yet.' : 'Hold Ctrl (⌘ on a Mac) to choose several.'}
            </p>
            <FieldError id={`${partnersId}-error`} messages={errors('audience.partnerIds')} />
          </div>
        </fieldset>
        <fieldset className="settings-group stack">
          <legend>Acknowledgement</legend>
          <label className="checkbox-line">
            <input type="checkbox" name="ackRequired" defaultChecked={ackRequired} aria-invalid={errors('ackRequired')?.length ? true : undefined} />
            <span>Ask everyone to confirm they have read it (“I have read this”)</span>
          </label>
          <FieldError id="ack-required-error" messages={errors('ackRequired')} />
          <DateTimeField label="Acknowledge by" name="ackDueAt" defaultValue={valueOf(failure, 'ackDueAt', toDateTimeLocal(announcement?.ack_due_at))} errors={errors('ackDueAt')} hint="Optional. After this time, everyone who has not confirmed gets one reminder." />
        </fieldset>
      </section>

      <section className="card stack" aria-labelledby="announcement-send-title">
        <h2 id="announcement-send-title">Send</h2>
        <div className="button-row">
          <SubmitButton name="intent" value="save" variant="secondary" pending={saving} pendingLabel="Saving…">
            Save draft
          </SubmitButton>
          <SubmitButton name="intent" value="publish" pending={publishing} pendingLabel="Publishing…">
            Publish now
          </SubmitButton>
        </div>
        <div className="announcement-schedule">
          <DateTimeField label="Publish at" name="publishAt" defaultValue={valueOf(failure, 'publishAt', toDateTimeLocal(announcement?.publish_at))} errors={errors('publishAt')} />
          <SubmitButton name="intent" value="schedule" variant="secondary" pending={scheduling} pendingLabel="Scheduling…">
            Schedule
          </SubmitButton>
        </div>
        <p>
          <Link to={announcement ? `/announcements/${announcement.id}` : '/announcements'}>Cancel</Link>
        </p>
      </section>
    </Form>
  )
}
