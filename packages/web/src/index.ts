export * from './csrf.js'
export * from './http.js'
