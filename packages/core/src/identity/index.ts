export * from './access.js'
export * from './one-time-tokens.js'
export * from './sign-in.js'
export * from './verified-email.js'
