import { useEffect, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { EndpointPage } from './pages/endpoint';
import { Endpoints, NewEndpoint } from './pages/endpoints';
import { Events } from './pages/events';
import { Home } from './pages/home';
import { OperationalEvents } from './pages/operational-events';
import { ApiKeys, Keys, Tenants } from './pages/operator';
import { PortalEntry } from './pages/portal';
import { SignIn } from './pages/sign-in';
import { SubjectPage } from './pages/subject';
import { Subjects } from './pages/subjects';
import { WorkflowPage, Workflows } from './pages/workflows';
import { onSessionChange, type Session, session, signedIn, signOut, tenantBearer } from './session';

function Nav(props: { s: Session }) {
  const [location] = useLocation();
  const tenant = tenantBearer(props.s) !== null;
  const items: Array<[string, string, boolean]> = [
    ['/', 'Home', true],
    ['/subjects', 'Subjects', tenant],
    ['/events', 'Events', tenant],
    ['/endpoints', 'Endpoints', tenant],
    ['/workflows', 'Workflows', tenant],
    ['/keys', 'Keys', true],
    ['/api-keys', 'API keys', props.s.key !== null],
    ['/tenants', 'Tenants', props.s.admin !== null],
    ['/operational-events', 'Operations', props.s.admin !== null],
  ];
  return (
    <nav aria-label="Main">
      <ul>
        {items
          .filter(([, , shown]) => shown)
          .map(([href, label]) => {
            const active = href === '/' ? location === '/' : location.startsWith(href);
            return (
              <li key={href}>
                <Link href={href} aria-current={active ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            );
          })}
      </ul>
    </nav>
  );
}

/** Portal sessions end at their expiry: the console signs out then rather than failing call by call. */
function usePortalExpiry(s: Session) {
  useEffect(() => {
    if (!s.portal) return;
    const left = Date.parse(s.portal.expiresAt) - Date.now();
    const timer = setTimeout(() => signOut(), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [s.portal]);
}

export function App() {
  const [s, setS] = useState(session());
  useEffect(() => onSessionChange(() => setS(session())), []);
  usePortalExpiry(s);
  return (
    <Router base="/console">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Tidings</span>
        {signedIn(s) && <Nav s={s} />}
        {signedIn(s) && (
          <div class="who">
            <span class="muted">
              {s.portal
                ? `portal · ${s.portal.access === 'endpoints' ? 'endpoints' : 'read-only'}`
                : [s.admin ? 'operator' : null, s.key ? 'API key' : null].filter(Boolean).join(' + ')}
            </span>
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main">
        <Switch>
          <Route path="/portal" component={PortalEntry} />
          {!signedIn(s) && <Route component={SignIn} />}
          <Route path="/" component={Home} />
          <Route path="/subjects" component={Subjects} />
          <Route path="/subjects/:id">{(p) => <SubjectPage id={decodeURIComponent(p.id)} />}</Route>
          <Route path="/events" component={Events} />
          <Route path="/endpoints" component={Endpoints} />
          <Route path="/endpoints/new" component={NewEndpoint} />
          <Route path="/endpoints/:id">{(p) => <EndpointPage id={decodeURIComponent(p.id)} />}</Route>
          <Route path="/workflows" component={Workflows} />
          <Route path="/workflows/:name">{(p) => <WorkflowPage name={decodeURIComponent(p.name)} />}</Route>
          <Route path="/keys" component={Keys} />
          <Route path="/api-keys" component={ApiKeys} />
          <Route path="/tenants" component={Tenants} />
          <Route path="/operational-events" component={OperationalEvents} />
          <Route>
            <p>
              Nothing here. <Link href="/">Home</Link>
            </p>
          </Route>
        </Switch>
      </main>
    </Router>
  );
}
