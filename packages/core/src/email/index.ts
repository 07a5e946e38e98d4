// Types from @accord/email that core callers need; `Brand` is not re-exported (core has its own in tenants/brand.ts).
export type { EmailTemplate, EmailTemplateName, EmailTransport } from '@accord/email'
export * from './enqueue-email.js'
export * from './deliver-outbox-email.js'
export * from './deliver-email-batch.js'
export * from './housekeeping.js'
export { reserveSendSlot } from './pacer.js'
export * from './dev-mailbox.js'
