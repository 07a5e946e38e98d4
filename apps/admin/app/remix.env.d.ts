import '@remix-run/node'

declare module '@remix-run/node' {
  /** Provided by @accord/web's Express server (`getLoadContext`). */
  interface AppLoadContext {
    clientIp: string | null
  }
}
