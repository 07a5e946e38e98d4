export * from './definitions.js'
export * from './queue.js'
