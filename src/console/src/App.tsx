import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError, gql, storeToken } from './api';
import { ConsoleSignOutDocument, ConsoleViewerDocument } from '../generated/graphql';
import { Link, navigate, useLocation } from './router';
import { canRead, isAdmin, SessionContext, TenantContext, type Viewer } from './session';
import { DialogHost, ErrorMessage, Loading } from './ui';
import { SignIn } from './screens/SignIn';
import { Tenants } from './screens/Tenants';
import { Users } from './screens/Users';
import { UserPage } from './screens/UserPage';
import { Groups } from './screens/Groups';
import { GroupPage } from './screens/GroupPage';
import { Teams } from './screens/Teams';
import { TeamPage } from './screens/TeamPage';
import { UserProvisioning } from './screens/UserProvisioning';
import { SingleSignOn } from './screens/SingleSignOn';
import { DirectoryProviders } from './screens/DirectoryProviders';
import { ProvisioningLog } from './screens/ProvisioningLog';
import { ApiKeys } from './screens/ApiKeys';

type Auth = { state: 'checking' } | { state: 'signedOut'; reason?: string } | { state: 'signedIn'; viewer: Viewer } | { state: 'failed'; error: ApiError };

interface Section {
  path: string;
  label: string;
  admin: boolean;
  render: (params: string[]) => ReactNode;
}

/** The tenant screens, in the navigation's order; `admin` ones need ADMINISTRATOR (the API refuses the rest). */
const SECTIONS: Section[] = [
  { path: 'users', label: 'Users', admin: false, render: ([id]) => (id ? <UserPage id={id} /> : <Users />) },
  { path: 'groups', label: 'Groups', admin: false, render: ([id]) => (id ? <GroupPage id={id} /> : <Groups />) },
  { path: 'teams', label: 'Teams', admin: false, render: ([id]) => (id ? <TeamPage id={id} /> : <Teams />) },
  { path: 'user-provisioning', label: 'User provisioning', admin: true, render: () => <UserProvisioning /> },
  { path: 'single-sign-on', label: 'Single sign-on', admin: true, render: () => <SingleSignOn /> },
  { path: 'directory-providers', label: 'Directory providers', admin: true, render: () => <DirectoryProviders /> },
  { path: 'provisioning-log', label: 'Provisioning log', admin: true, render: () => <ProvisioningLog /> },
  { path: 'api-keys', label: 'API keys', admin: true, render: () => <ApiKeys /> },
];

export function App() {
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const check = useCallback(async (reason?: string) => {
    try {
      const { viewer } = await gql(ConsoleViewerDocument, {});
      setAuth({ state: 'signedIn', viewer });
    } catch (error) {
      const apiError = error as ApiError;
      if (apiError.code === 'UNAUTHENTICATED') {
        storeToken(null);
        setAuth({ state: 'signedOut', reason });
      } else setAuth({ state: 'failed', error: apiError });
    }
  }, []);
  useEffect(() => {
    void check();
  }, [check]);

  const signOut = useCallback(async () => {
    // A pasted token is forgotten by this tab; a SAML session is ended on the server too.
    await gql(ConsoleSignOutDocument, {}).catch(() => false);
    storeToken(null);
    setAuth({ state: 'signedOut', reason: 'You are signed out.' });
    navigate('/', { replace: true });
  }, []);

  if (auth.state === 'checking') return <Loading what="the console" />;
  if (auth.state === 'failed')
    return (
      <main className="center">
        <h1>Portico console</h1>
        <ErrorMessage error={auth.error} title="Portico did not answer." />
        <button type="button" onClick={() => void check()}>
          Try again
        </button>
      </main>
    );
  if (auth.state === 'signedOut')
    return (
      <SignIn
        reason={auth.reason}
        onSignedIn={async (token) => {
          storeToken(token);
          try {
            const { viewer } = await gql(ConsoleViewerDocument, {});
            setAuth({ state: 'signedIn', viewer });
            return null;
          } catch (error) {
            storeToken(null);
            return error as ApiError;
          }
        }}
      />
    );
  return (
    <SessionContext.Provider value={{ viewer: auth.viewer, signOut }}>
      <DialogHost>{(covered) => <Shell viewer={auth.viewer} covered={covered} onSignOut={signOut} />}</DialogHost>
    </SessionContext.Provider>
  );
}

/** The frame of every signed-in screen: who is signed in, the navigation, and the screen. */
function Shell({ viewer, covered, onSignOut }: { viewer: Viewer; covered: boolean; onSignOut: () => void }) {
  const { path } = useLocation();
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const operator = viewer.kind === 'OPERATOR';
  const ownSlug = viewer.tenant?.slug ?? null;

  // "/" goes to the first screen this caller may see.
  useEffect(() => {
    if (parts.length > 0) return;
    if (operator) navigate('/tenants', { replace: true });
    else if (ownSlug) navigate(`/t/${ownSlug}/users`, { replace: true });
  }, [parts.length, operator, ownSlug]);

  const slug = parts[0] === 't' ? (parts[1] ?? null) : null;
  const section = slug ? SECTIONS.find((s) => s.path === parts[2]) : undefined;
  const who = viewer.user ? (viewer.user.displayName ?? viewer.user.userName) : operator ? 'Platform operator' : 'API key';

  let content: ReactNode;
  if (parts[0] === 'tenants') content = operator ? <Tenants /> : <Refusal>Only the platform operator sees the tenants.</Refusal>;
  else if (slug && !operator && slug !== ownSlug)
    content = (
      <Refusal>
        You cannot open the tenant “{slug}”: you are signed in to {ownSlug ? `“${ownSlug}”` : 'no tenant'}. Sign in to that tenant to
        administer it.
      </Refusal>
    );
  else if (slug && parts.length === 2) content = <Redirect to={`/t/${slug}/users`} />;
  else if (slug && section)
    content = section.admin && !isAdmin(viewer) ? (
      <Refusal>“{section.label}” needs the Administrator level; you have {viewer.level.toLowerCase()}.</Refusal>
    ) : (
      section.render(parts.slice(3))
    );
  else if (parts.length === 0) content = operator || ownSlug ? <Loading what="the console" /> : <Refusal>You belong to no tenant.</Refusal>;
  else content = <Refusal>There is no such page in the console.</Refusal>;

  const sections = SECTIONS.filter((s) => (s.admin ? isAdmin(viewer) : canRead(viewer)));
  return (
    <div className="shell" aria-hidden={covered || undefined} inert={covered || undefined}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Portico</span>
        {slug && <span className="tenant-name">{slug}</span>}
        <span className="spacer" />
        <span className="who">
          {who}
          {!operator && viewer.tenant && <span className="muted"> · {viewer.level.toLowerCase()}</span>}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <div className="body">
        <nav className="side" aria-label="Console">
          <ul>
            {operator && (
              <li>
                <Link to="/tenants" aria-current={parts[0] === 'tenants' ? 'page' : undefined}>
                  Tenants
                </Link>
              </li>
            )}
            {slug &&
              (operator || slug === ownSlug) &&
              sections.map((s) => (
                <li key={s.path}>
                  <Link to={`/t/${slug}/${s.path}`} aria-current={parts[2] === s.path ? 'page' : undefined}>
                    {s.label}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <TenantContext.Provider value={slug ?? ''}>{content}</TenantContext.Provider>
        </main>
      </div>
    </div>
  );
}

function Refusal({ children }: { children: ReactNode }) {
  return (
    <div className="error" role="alert">
      {children}
    </div>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
