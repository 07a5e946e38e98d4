export * from './connection.js'
export { runCrmSync, type CrmSyncResult, type CrmSyncOptions } from './sync.js'
export { createBuiltinConnector } from './builtin-connector.js'
export { writeCrmNote, writePendingCrmNotes, type CrmNoteResult } from './notes.js'
