export * from './invitations.js'
