export * from './home.js'
