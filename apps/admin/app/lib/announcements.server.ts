import { type ActionFunctionArgs, type LoaderFunctionArgs, data, redirect } from '@remix-run/node'
import { actionFailure } from '~/server/action-result.server'
import { type AdminCaller, requireStaff, rethrowAsNotFound as notFoundAs } from '~/server/guard.server'
import { ANNOUNCEMENT_FIELDS, readAnnouncementForm } from './announcements'
import type { FormFailure } from './forms'


/** What the editor needs besides the announcement: the programme's tiers and the active partners (named-partner picker). */
export async function editorOptions(caller: AdminCaller) {
  const [workspace, partners, resources] = await Promise.all([caller.admin.workspace.get(), caller.admin.partners.list({ status: 'active' }), caller.admin.resources.list({ status: 'published' })])
  return {
    tierOptions: workspace.settings.tiers.map((tier) => tier.name),
    partnerOptions: partners.map((partner) => ({ value: partner.id, label: partner.tier ? `${partner.name} (${partner.tier})` : partner.name })),
    // Links to the portal's page of each published resource: absolute, so they work in e-mails and Slack too.
    resourceOptions: resources.map((resource) => ({ url: `${workspace.portalUrl}/resources/${resource.id}`, title: resource.title, kind: resource.contentTypeLabel })),
  }
}

export async function loadEditor({ request, context, params }: LoaderFunctionArgs) {
  const { caller, headers } = await requireStaff(request, context, 'announcements.manage')
  const announcementId = params.announcementId
  const [options, existing] = await Promise.all([editorOptions(caller), announcementId ? caller.admin.announcements.get({ announcementId }).catch(rethrowAsNotFound) : Promise.resolve(null)])
  // Published and archived announcements are final: their page is the dashboard.
  if (existing && (existing.announcement.status === 'published' || existing.announcement.status === 'archived')) throw redirect(`/announcements/${existing.announcement.id}`, { headers })
  return data({ ...options, announcement: existing?.announcement ?? null }, { headers })
}

/**
 * Save draft / Publish now / Schedule: the draft is saved first (new or
 * updated), then published or scheduled. Field errors of either step come
 * back to the form; once a new draft exists its id rides along in the form,
 * so trying again updates it instead of creating another.
 */
export async function submitEditor({ request, context, params }: ActionFunctionArgs) {
  const { caller } = await requireStaff(request, context, 'announcements.manage')
  const submission = readAnnouncementForm(await request.formData())
  const intent = submission.intent
  const values = { ...submission.values }
  if (!intent) return actionFailure(new Error('Unknown intent'), { intent: 'announcement', values })
  let announcementId = params.announcementId ?? submission.announcementId ?? undefined
  try {
    const saved = await caller.admin.announcements.save({ ...submission.input, ...(announcementId ? { announcementId } : {}) })
    announcementId = saved.announcementId
    values.announcementId = announcementId
    if (intent === 'save') return redirect(`/announcements/${announcementId}?done=saved`)
    // Core publishes at once when the time has passed; a schedule in the past is more likely a typo.
    if (intent === 'schedule' && (submission.publishAt === null || (submission.publishAt instanceof Date && submission.publishAt.getTime() <= Date.now()))) {
      const failure: FormFailure = { ok: false, intent: 'announcement', formError: 'The draft is saved. Choose when to publish it.', fieldErrors: { publishAt: ['Choose a date and time in the future (UTC).'] }, values }
      return data(failure, { status: 400 })
    }
    const published = await caller.admin.announcements.publish({ announcementId, ...(intent === 'schedule' ? { publishAt: submission.publishAt } : {}) })
    return redirect(`/announcements/${announcementId}?done=${published.status}`)
  } catch (error) {
    return actionFailure(error, { intent: 'announcement', fields: ANNOUNCEMENT_FIELDS, values })
  }
}

/** Unknown, malformed and other workspaces' ids all look the same: not found. */
export const rethrowAsNotFound = notFoundAs('This announcement does not exist.')
