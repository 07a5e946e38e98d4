export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get('cookie')
  if (!header) return null
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) {
      try {
        return decodeURIComponent(rest.join('='))
      } catch {
        // A malformed cookie (e.g. "%E0") counts as absent rather than failing the request.
        return null
      }
    }
  }
  return null
}
