import { appErrorOf } from '@accord/api'
import { redirect } from '@remix-run/node'
import { actionFailure } from '~/server/action-result.server'
import { type AdminCaller, notFound, rethrowAsNotFound } from '~/server/guard.server'
import { formValues } from './forms'
import { PROGRAMME_PAGE_FIELDS, RULES_PATH } from './programme-pages'


/**
 * The editor's Save / Save and publish: save first (new or existing page),
 * then publish when asked. Field errors go back to the form with what was
 * typed; success lands on the page's editor with a notice.
 */
export async function submitProgrammePageForm(caller: AdminCaller, formData: FormData, pageId: string | undefined) {
  const intent = String(formData.get('intent') ?? '')
  const values = formValues(formData, PROGRAMME_PAGE_FIELDS)
  if (intent !== 'save' && intent !== 'publish') return actionFailure(new Error(`Unknown intent "${intent.slice(0, 40)}"`), { intent: 'page', values })
  try {
    const saved = await caller.admin.programmePages.save({ ...values, ...(pageId ? { pageId } : {}) })
    if (intent === 'publish' && saved.status !== 'published') {
      await caller.admin.programmePages.publish({ pageId: saved.pageId })
      return redirect(`${RULES_PATH}/${saved.pageId}?done=published`)
    }
    return redirect(`${RULES_PATH}/${saved.pageId}?done=${saved.status === 'published' ? 'updated' : saved.created ? 'created' : 'saved'}`)
  } catch (error) {
    if (pageId && appErrorOf(error)?.code === 'NOT_FOUND') throw notFound('This page does not exist.')
    return actionFailure(error, { intent: 'page', fields: PROGRAMME_PAGE_FIELDS, values })
  }
}

/** Unknown, malformed and other workspaces' ids all look the same: not found. */
export const rethrowPageAsNotFound = rethrowAsNotFound('This page does not exist.')
