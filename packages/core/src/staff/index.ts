export * from './staff.js'
