/**
 * Child process entry of the isolated text extraction (see
 * extraction-process.ts): one file per process, answered over IPC, then exit.
 */
import { extractResourceText } from './text-extraction.js'

process.once('message', (message: { bytes: Uint8Array; mime: string }) => {
  extractResourceText(message.bytes, message.mime).then(
    (text) => process.send?.({ ok: true, text }, () => process.exit(0)),
    (error: unknown) => process.send?.({ ok: false, error: error instanceof Error ? error.message : String(error) }, () => process.exit(0)),
  )
})
