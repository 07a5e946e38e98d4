export * from './partners.js'
