import { Alert, Badge } from '@accord/ui'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { portalTitle, usePortalHref } from '~/lib/portal-data'
import { loadPortalHome } from '~/server/home.server'
import { isPortalLanding } from '~/server/tenant.server'

export const meta: MetaFunction<typeof loader> = ({ matches, data: home }) => [{ title: home?.landing ? 'Partner portals · Accord' : portalTitle(matches, 'Home') }]

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  // The layout shows the landing page; nothing to load here.
  if (await isPortalLanding(request, context)) return json({ landing: true as const })
  const { signedIn, home } = await loadPortalHome(request, context, params)
  return json({ landing: false as const, ...home }, { headers: signedIn.headers })
}

export default function Home() {
  const home = useLoaderData<typeof loader>()
  const [search] = useSearchParams()
  const href = usePortalHref()
  if (home.landing) return null
  const firstName = home.user.name.trim().split(/\s+/)[0] ?? home.user.name
  const done = home.firstSteps.filter((step) => step.done).length
  const total = home.firstSteps.length
  return (
    <main id="main" tabIndex={-1} className="content">
      {search.get('welcome') ? (
        <Alert tone="success" title="You're all set.">
          Welcome to the {home.vendor.portalName}.
        </Alert>
      ) : null}
      <section className="welcome" aria-labelledby="home-heading">
        <p className="greeting">Hello, {firstName}</p>
        <h1 id="home-heading">{home.partner.name}</h1>
        <p className="meta">
          <Badge>{home.partner.typeLabel}</Badge>
          <span>
            partner of {home.vendor.name} · you are signed in as {home.user.roleLabel.toLowerCase()}
          </span>
        </p>
      </section>

      <div className="home-grid">
        <section className="card" aria-labelledby="first-steps-heading">
          <h2 id="first-steps-heading">First steps</h2>
          <div className="progress-line">
            <progress max={total} value={done} aria-labelledby="first-steps-progress" />
            <span id="first-steps-progress">
              {done} of {total} done
            </span>
          </div>
          <ol className="checklist">
            {home.firstSteps.map((step) => (
              <li key={step.id} className={step.done ? 'done' : undefined}>
                <span className="tick" aria-hidden="true">
                  {step.done ? '✓' : ''}
                </span>
                <div>
                  <span className="step-title">
                    {step.href && !step.done ? <Link to={href(step.href)}>{step.title}</Link> : step.title}
                    {step.done ? <span className="state">Done</span> : <span className="sr-only"> (to do)</span>}
                  </span>
                  <p className="step-text">{step.description}</p>
                </div>
              </li>
            ))}
          </ol>
        </section>

        <div className="home-side">
          <section className="card" aria-labelledby="registrations-heading">
            <h2 id="registrations-heading">Lead and deal registration</h2>
            <p>Register the customers you are working with. Once {home.vendor.name} approves a registration, the customer is protected for you.</p>
            <p className="row">
              <Link to={href('/registrations/new')} className="button">
                Register a lead
              </Link>
              <Link to={href('/registrations')}>See your registrations</Link>
            </p>
          </section>

          <aside className="card" aria-labelledby="help-heading">
            <h2 id="help-heading">Need a hand?</h2>
            {home.vendor.supportEmail ? (
              <p>
                The {home.vendor.name} partner team answers at <a href={`mailto:${home.vendor.supportEmail}`}>{home.vendor.supportEmail}</a>.
              </p>
            ) : (
              <p>Your partner manager at {home.vendor.name} is your first contact for questions about the programme.</p>
            )}
            <p className="muted">
              Signed in as {home.user.email}
              {home.user.hasPassword ? null : ' with e-mailed sign-in links'}.
            </p>
          </aside>
        </div>
      </div>
    </main>
  )
}
