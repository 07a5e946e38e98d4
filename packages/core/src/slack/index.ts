export * from './connection.js'
export * from './outbox.js'
export * from './command.js'
export { SlackCallError, type SlackTarget } from './client.js'
