import { useRevalidator } from '@remix-run/react'
import { useEffect, useRef } from 'react'

/**
 * Re-load the page's data every second while `active` (a job waits or runs:
 * an import, a CRM sync, an announcement's fan-out), skipping a tick while a
 * load is under way or the tab is hidden.
 */
export function useRefreshWhile(active: boolean) {
  const revalidator = useRevalidator()
  const state = useRef(revalidator.state)
  state.current = revalidator.state
  const revalidate = useRef(revalidator.revalidate)
  revalidate.current = revalidator.revalidate
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => {
      if (state.current === 'idle' && document.visibilityState !== 'hidden') revalidate.current()
    }, 1000)
    return () => clearInterval(timer)
  }, [active])
}
