import { changeStaffRole, getStaffSession, getWorkspace, listAuditLog, listStaff, removePortalLogo, updateBranding } from '@accord/core'
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
  auditLog: staffProcedure('audit.view')
    .input(z.object({ limit: z.number().int().min(1).max(500).optional() }).optional())
    .query(({ ctx, input }) => listAuditLog(ctx.core, input ?? {})),
})
