/**
 * One-off confirmations shown after a redirect (`?notice=<key>`). Only keys
 * from this table are shown, so a crafted link cannot put arbitrary text on
 * the page; names and addresses come from the session, never the URL.
 */
export const notices = {
  welcome: { tone: 'success', text: (email: string) => `Your workspace is ready. We sent a verification link to ${email}. Open it to confirm your address.` },
  'verification-sent': { tone: 'success', text: (email: string) => `We sent a new verification link to ${email}.` },
  'verification-rate-limited': { tone: 'warning', text: () => 'We have sent several links already. Check your inbox (and spam folder), or try again later.' },
  'already-verified': { tone: 'info', text: () => 'Your e-mail address is already verified.' },
  'password-reset': { tone: 'success', text: () => 'Your password was changed and you are signed in. Other sessions were signed out.' },
  'invitation-accepted': { tone: 'success', text: () => 'Welcome aboard! Your account is ready.' },
  'partner-created': { tone: 'success', text: () => 'Partner created. Invite the first people from this organisation below.' },
  'signed-out': { tone: 'info', text: () => 'You are signed out.' },
  'registration-created': { tone: 'success', text: () => 'Registered on behalf of the partner. The partner sees it in their portal; e-mails meant for the submitter come to you.' },
  'import-uploaded': { tone: 'success', text: () => 'File uploaded. Check which column holds which field, then start the import. Nothing is registered until you do.' },
} as const satisfies Record<string, { tone: 'success' | 'info' | 'warning'; text: (email: string) => string }>

export type NoticeKey = keyof typeof notices

export function noticeFor(key: string | null, email = ''): { tone: 'success' | 'info' | 'warning'; text: string } | null {
  if (!key || !Object.hasOwn(notices, key)) return null
  const notice = notices[key as NoticeKey]
  return { tone: notice.tone, text: notice.text(email) }
}
