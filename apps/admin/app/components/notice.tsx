import { useSearchParams } from '@remix-run/react'
import { Alert } from '@accord/ui'
import { noticeFor } from '~/lib/notices'

/** Shows the `?notice=` confirmation of the current page, if it is a known one. */
export function NoticeBanner({ email }: { email?: string }) {
  const [params] = useSearchParams()
  const notice = noticeFor(params.get('notice'), email)
  if (!notice) return null
  return <Alert tone={notice.tone}>{notice.text}</Alert>
}
