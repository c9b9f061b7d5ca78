import { useId, useState, type FormEvent } from 'react';
import type { ApiError } from '../api';
import { ErrorMessage } from '../ui';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Two ways in: the tenant's SAML sign-in (Entra), or a pasted token (the operator's, or an API key). */
export function SignIn({ reason, onSignedIn }: { reason?: string; onSignedIn: (token: string) => Promise<ApiError | null> }) {
  const [slug, setSlug] = useState('');
  const [slugProblem, setSlugProblem] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const slugId = useId();
  const tokenId = useId();

  const startSaml = (event: FormEvent) => {
    event.preventDefault();
    const value = slug.trim().toLowerCase();
    if (!SLUG.test(value)) {
      setSlugProblem('A tenant is named by its slug: lowercase letters, digits and dashes, such as “acme”.');
      return;
    }
    window.location.assign(`/api/${encodeURIComponent(value)}/saml/login?returnTo=${encodeURIComponent('/console/')}`);
  };
  const useToken = async (event: FormEvent) => {
    event.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    setError(await onSignedIn(token.trim()));
    setBusy(false);
  };

  return (
    <main className="signin" id="main">
      <h1>Portico console</h1>
      {reason && <p role="status">{reason}</p>}
      <section>
        <h2 id="sso-h">With your organization’s sign-in</h2>
        <form onSubmit={startSaml} noValidate>
          <label htmlFor={slugId}>Tenant</label>
          <input
            id={slugId}
            name="tenant"
            autoComplete="organization"
            autoCapitalize="none"
            spellCheck={false}
            value={slug}
            aria-describedby={`${slugId}-hint`}
            aria-invalid={slugProblem ? true : undefined}
            onChange={(e) => {
              setSlug(e.target.value);
              setSlugProblem('');
            }}
          />
          <p id={`${slugId}-hint`} className="muted small">
            {slugProblem || 'Your tenant’s slug, such as “acme”. You continue at Microsoft Entra (SAML single sign-on).'}
          </p>
          <button type="submit">Continue with SSO</button>
        </form>
      </section>
      <section>
        <h2 id="token-h">With a token</h2>
        <form onSubmit={useToken}>
          <label htmlFor={tokenId}>Token</label>
          <input
            id={tokenId}
            name="token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-describedby={`${tokenId}-hint`}
          />
          <p id={`${tokenId}-hint`} className="muted small">
            The operator token or an API key. It is kept in this browser tab only.
          </p>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
        <ErrorMessage error={error} title="Sign-in refused." />
      </section>
    </main>
  );
}
