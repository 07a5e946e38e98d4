export type LogFields = Record<string, unknown>

/** What the worker reports through; tests pass a recorder, production a JSON-lines console logger. */
export interface WorkerLog {
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

/** One JSON object per line on stdout/stderr: greppable locally, parseable by log shippers. */
export function createConsoleLog(): WorkerLog {
  const write = (level: 'info' | 'warn' | 'error', message: string, fields: LogFields = {}) => {
    const line = JSON.stringify({ time: new Date().toISOString(), level, service: 'worker', message, ...fields })
    if (level === 'info') console.log(line)
    else console.error(line)
  }
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  }
}

export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) }
  const details = error as Error & { retryable?: unknown; statusCode?: unknown; code?: unknown }
  return { error: error.message, errorName: error.name, retryable: details.retryable, statusCode: details.statusCode, code: details.code }
}
