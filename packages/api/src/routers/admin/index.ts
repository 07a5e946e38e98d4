import { router } from '../../trpc.js'
import { adminAnnouncementsRouter } from './announcements.js'
import { adminCrmRouter } from './crm.js'
import { invitationsRouter } from './invitations.js'
import { partnersRouter } from './partners.js'
import { adminPipelineRouter } from './pipeline.js'
import { adminProgrammeRouter } from './programme.js'
import { adminProgrammePagesRouter } from './programme-pages.js'
import { adminRegistrationsRouter } from './registrations.js'
import { adminResourcesRouter } from './resources.js'
import { adminSlackRouter } from './slack.js'
import { workspaceRouter } from './workspace.js'

export const adminRouter = router({
  workspace: workspaceRouter,
  partners: partnersRouter,
  invitations: invitationsRouter,
  registrations: adminRegistrationsRouter,
  pipeline: adminPipelineRouter,
  programme: adminProgrammeRouter,
  programmePages: adminProgrammePagesRouter,
  crm: adminCrmRouter,
  announcements: adminAnnouncementsRouter,
  slack: adminSlackRouter,
  resources: adminResourcesRouter,
})
