import { Link } from '@remix-run/react'
import type { ReactNode } from 'react'
import { type PortalBrand, usePortalHref } from '~/lib/portal-data'

/** Vendor logo (or a monogram in the brand colour) and the portal's name. */
export function BrandMark({ brand, size = 'normal' }: { brand: PortalBrand; size?: 'normal' | 'large' }) {
  return (
    <span className={`brand-mark ${size}`}>
      {brand.logoUrl ? (
        // The portal name sits right next to the logo, so the image itself is decorative.
        <img className="logo" src={brand.logoUrl} alt="" />
      ) : (
        <span className="monogram" aria-hidden="true">
          {brand.name.trim().charAt(0).toUpperCase() || '•'}
        </span>
      )}
      <span className="brand-name">{brand.portalName}</span>
    </span>
  )
}

/** Top bar for pages before sign-in: just the vendor's brand. */
export function PublicHeader({ brand }: { brand: PortalBrand }) {
  const href = usePortalHref()
  return (
    <header className="topbar portal-topbar">
      <Link to={href('/')} className="brand home-link">
        <BrandMark brand={brand} />
      </Link>
    </header>
  )
}

/** Sign-in, invitation and password pages: branded header and one centred card. */
export function PublicPage({ brand, children, wide }: { brand: PortalBrand; children: ReactNode; wide?: boolean }) {
  return (
    <>
      <PublicHeader brand={brand} />
      <main id="main" tabIndex={-1} className={wide ? 'narrow auth wide' : 'narrow auth'}>
        {children}
      </main>
    </>
  )
}

export function PoweredBy() {
  return (
    <footer className="portal-footer">
      <p>
        Powered by <strong>Accord</strong>
      </p>
    </footer>
  )
}

/** Shown at a bare `/` with no vendor in the address (path mode). */
export function PortalLanding() {
  return (
    <main id="main" tabIndex={-1} className="narrow auth">
      <div className="card">
        <h1>Partner portals, powered by Accord</h1>
        <p>Each vendor has its own partner portal with its own address, so there is nothing to sign in to here.</p>
        <p>
          Your portal&rsquo;s address is in the invitation e-mail your vendor sent you: open the link in that e-mail, and bookmark the page it takes you to.
        </p>
        <p>Can&rsquo;t find the e-mail? Ask your partner manager at the vendor to send the invitation again.</p>
      </div>
    </main>
  )
}
