import type { Migration } from 'kysely'
import * as foundation from './20261123T100000_foundation.js'
import * as sessionLookup from './20261123T120000_session_lookup.js'
import * as registrations from './20261123T140000_registrations.js'
import * as registrationImports from './20261123T150000_registration_imports.js'
import * as captureChannels from './20261123T160000_capture_channels.js'
import * as tenantTrigramIndexes from './20261123T170000_tenant_trigram_indexes.js'
import * as trigramGistLeakproof from './20261123T180000_trigram_gist_leakproof.js'
import * as crmSync from './20261130T090000_crm_sync.js'
import * as slack from './20261130T100000_slack.js'
import * as announcements from './20261130T110000_announcements.js'
import * as replyByEmail from './20261130T120000_reply_by_email.js'
import * as portalSignIns from './20261130T130000_portal_sign_ins.js'
import * as resourceLibrary from './20261130T140000_resource_library.js'
import * as programmePages from './20261130T150000_programme_pages.js'
import * as announcementsPartnerReadOnly from './20261130T160000_announcements_partner_read_only.js'
import * as signInMethodPasswordReset from './20261130T170000_sign_in_method_password_reset.js'
import * as resourceEventsVisibleOnly from './20261130T180000_resource_events_visible_only.js'
import * as programmePageReads from './20261130T190000_programme_page_reads.js'
import * as engagementRowsOfOwnPeople from './20261130T200000_engagement_rows_of_own_people.js'
import * as inboundQueue from './20261207T110000_inbound_queue.js'
import * as accessRevocation from './20261207T120000_access_revocation.js'
import * as mailQueuesAndRedaction from './20261207T130000_mail_queues_and_redaction.js'
import * as partnerScopePolicies from './20261207T140000_partner_scope_policies.js'

/**
 * Every migration, by file name. Static imports keep migrations loadable
 * under any TypeScript runner (tsx, Vitest, bundled apps); a test checks this
 * list against the folder so a new file cannot be forgotten here.
 */
export const migrations: Record<string, Migration> = {
  '20261123T100000_foundation': foundation,
  '20261123T120000_session_lookup': sessionLookup,
  '20261123T140000_registrations': registrations,
  '20261123T150000_registration_imports': registrationImports,
  '20261123T160000_capture_channels': captureChannels,
  '20261123T170000_tenant_trigram_indexes': tenantTrigramIndexes,
  '20261123T180000_trigram_gist_leakproof': trigramGistLeakproof,
  '20261130T090000_crm_sync': crmSync,
  '20261130T100000_slack': slack,
  '20261130T110000_announcements': announcements,
  '20261130T120000_reply_by_email': replyByEmail,
  '20261130T130000_portal_sign_ins': portalSignIns,
  '20261130T140000_resource_library': resourceLibrary,
  '20261130T150000_programme_pages': programmePages,
  '20261130T160000_announcements_partner_read_only': announcementsPartnerReadOnly,
  '20261130T170000_sign_in_method_password_reset': signInMethodPasswordReset,
  '20261130T180000_resource_events_visible_only': resourceEventsVisibleOnly,
  '20261130T190000_programme_page_reads': programmePageReads,
  '20261130T200000_engagement_rows_of_own_people': engagementRowsOfOwnPeople,
  '20261207T110000_inbound_queue': inboundQueue,
  '20261207T120000_access_revocation': accessRevocation,
  '20261207T130000_mail_queues_and_redaction': mailQueuesAndRedaction,
  '20261207T140000_partner_scope_policies': partnerScopePolicies,
}
