import type { Database } from '@accord/db'
import { AppError } from '../errors.js'

/** The AppError code a call ends with, or 'OK': keeps table-style assertions short. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'OK'
  } catch (error) {
    if (error instanceof AppError) return error.code
    throw error
  }
}

/** The token of the newest `<pathPart>/<token>` link e-mailed to an address, read from the outbox as the recipient would. */
export async function linkFromOutbox(ownerDb: Database, to: string, pathPart: string): Promise<string> {
  const message = await ownerDb.selectFrom('email_outbox').select('html').where('to_email', '=', to).orderBy('created_at', 'desc').executeTakeFirstOrThrow()
  const match = new RegExp(`${pathPart}/([^"'<\\s]+)`).exec(message.html)
  if (!match?.[1]) throw new Error(`no ${pathPart} link in the e-mail to ${to}`)
  return decodeURIComponent(match[1].replace(/&amp;/g, '&'))
}
