import { Link } from '@remix-run/react'
import type { ReactNode } from 'react'

/** Frame of the dev mailbox pages: usable without signing in, so no workspace navigation. */
export function DevShell({ children }: { children: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="dev-header">
        <Link to="/dev/mailbox" className="wordmark">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          Accord dev mailbox
        </Link>
        <span className="badge warning">Local e-mail mode</span>
        <Link to="/">Back to the admin app</Link>
      </header>
      <main id="main" className="content dev-content">
        {children}
      </main>
    </>
  )
}
