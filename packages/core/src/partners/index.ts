export * from './partners.js'
export * from './engagement.js'
