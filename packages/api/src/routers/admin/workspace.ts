import { changeStaffRole, deactivateStaffMember, getStaffSession, reactivateStaffMember, getWorkspace, listAuditLog, listStaff, removePortalLogo, updateBranding } from '@accord/core'
import { z } from 'zod'
import { router, staffProcedure } from '../../trpc.js'

export const updateBrandingProcedureInput = z.object({ portalName: z.unknown().optional(), primaryColor: z.unknown(), supportEmail: z.unknown().optional() })
export const changeStaffRoleProcedureInput = z.object({ userId: z.string(), role: z.unknown() })

export const workspaceRouter = router({
  session: staffProcedure().query(({ ctx }) => getStaffSession(ctx.core)),
  get: staffProcedure('workspace.view').query(({ ctx }) => getWorkspace(ctx.core)),
  updateBranding: staffProcedure('settings.manage')
    .input(updateBrandingProcedureInput)
    .mutation(({ ctx, input }) => updateBranding(ctx.core, input as never)),
  removeLogo: staffProcedure('settings.manage').mutation(({ ctx }) => removePortalLogo(ctx.core)),
  staff: staffProcedure('staff.view').query(({ ctx }) => listStaff(ctx.core)),
  changeStaffRole: staffProcedure('staff.manage')
    .input(changeStaffRoleProcedureInput)
    .mutation(({ ctx, input }) => changeStaffRole(ctx.core, input as never)),
  // Owners and admins; core also refuses an admin acting on an owner, and the last active owner.
  deactivateStaff: staffProcedure('staff.deactivate')
    .input(z.object({ userId: z.string() }))
    .mutation(({ ctx, input }) => deactivateStaffMember(ctx.core, input)),
  reactivateStaff: staffProcedure('staff.deactivate')
    .input(z.object({ userId: z.string() }))
    .mutation(({ ctx, input }) => reactivateStaffMember(ctx.core, input)),
  auditLog: staffProcedure('audit.view')
    .input(z.object({ limit: z.number().int().min(1).max(500).optional() }).optional())
    .query(({ ctx, input }) => listAuditLog(ctx.core, input ?? {})),
})
