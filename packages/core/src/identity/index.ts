export * from './one-time-tokens.js'
export * from './sign-in.js'
