import { isRouteErrorResponse } from '@remix-run/react'

export const APP_NAME = 'Accord Admin'

export function errorTitle(error: unknown): string {
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) return 'Page not found'
    if (error.status === 403) return 'No access'
  }
  return 'Something went wrong'
}

/** `meta` for a page: "<title> · Accord Admin", or the error's title when the loader failed. */
export function pageMeta(title: string) {
  return ({ error }: { error?: unknown }) => [{ title: `${error ? errorTitle(error) : title} · ${APP_NAME}` }]
}
