import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Wall-clock limit of one extraction, whatever the file does. */
export const EXTRACTION_TIMEOUT_MS = 60_000
/** Heap of the extraction process: generous for 25 MB files, small enough not to starve the worker. */
const EXTRACTION_HEAP_MB = 512

/** tsx's loader, found from this package (not from the process's working directory). */
function tsxLoader(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  } catch {
    return 'tsx'
  }
}

/** The file could not be read: corrupt, encrypted, too complex. Retrying will not help. */
export class UnreadableFileError extends Error {}

/**
 * Text of a file, extracted in a child process that is killed when it runs
 * out of time or memory. PDF parsing is synchronous CPU work that a crafted
 * file can stretch to hours, and the worker process serves every tenant's
 * jobs (e-mail, Slack, CRM); in a child it can only cost itself.
 */
export function extractTextIsolated(bytes: Uint8Array, mime: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? EXTRACTION_TIMEOUT_MS
  const entry = fileURLToPath(new URL('./extraction-child.ts', import.meta.url))
  // tsx runs the TypeScript child the way it runs the worker itself (`node --import tsx`).
  const child = fork(entry, [], { execArgv: ['--import', tsxLoader(), `--max-old-space-size=${EXTRACTION_HEAP_MB}`], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString('utf8')
  })
  return new Promise<string>((resolve, reject) => {
    let settled = false
    const settle = (outcome: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (child.exitCode === null) child.kill('SIGKILL')
      outcome()
    }
    const timer = setTimeout(() => settle(() => reject(new UnreadableFileError(`Reading the text took longer than ${Math.round(timeoutMs / 1000)} s and was stopped; the file is too complex.`))), timeoutMs)
    child.once('message', (answer: { ok: boolean; text?: string; error?: string }) => {
      settle(() => (answer.ok ? resolve(answer.text ?? '') : reject(new UnreadableFileError(answer.error ?? 'The file could not be read.'))))
    })
    child.once('error', (error) => settle(() => reject(error)))
    child.once('exit', (code, signal) => {
      // Out of memory or killed: the file, not the system (a missing tsx or entry shows in stderr and is rethrown as is).
      if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(stderr)) return settle(() => reject(new Error(`The text extraction process could not start: ${stderr.slice(0, 500)}`)))
      settle(() => reject(new UnreadableFileError(`Reading the text stopped unexpectedly (${signal ?? `exit ${code}`}); the file may be too large or too complex.`)))
    })
    child.send({ bytes, mime })
  })
}
