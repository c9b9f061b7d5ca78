import { useEffect, useId, useState, type FormEvent } from 'react';
import {
  ConsoleConfigureDirectoryProviderDocument,
  ConsoleDirectoryProvidersDocument,
  ConsoleRemoveDirectoryProviderDocument,
  ConsoleSyncDirectoryDocument,
  ConsoleTestDirectoryProviderDocument,
  type ConsoleDirectorySyncFragment,
} from '../directory-operations';
import { useMutation, useQuery } from '../hooks';
import { useTenant } from '../session';
import { Badge, ErrorMessage, Loading, Notice, When } from '../ui';

const EXPIRY_WARNING_DAYS = 14;

const COUNTS = [
  ['photosDownloaded', 'Photos downloaded'],
  ['photosUnchanged', 'Photos unchanged'],
  ['photosSkipped', 'Photos skipped'],
  ['usersWithoutPhoto', 'Users without a photo'],
] as const;

function LastSync({ sync }: { sync: ConsoleDirectorySyncFragment | null }) {
  if (!sync) return <p className="muted">No sync has run yet.</p>;
  return (
    <div aria-live="polite">
      <p>
        {sync.state === 'RUNNING' ? <Badge>Running</Badge> : sync.state === 'SUCCEEDED' ? <Badge tone="ok">Succeeded</Badge> : <Badge tone="warn">Failed</Badge>}{' '}
        started <When at={sync.startedAt} />
        {sync.finishedAt && (
          <>
            , finished <When at={sync.finishedAt} />
          </>
        )}
      </p>
      <dl className="facts">
        {COUNTS.map(([field, label]) => (
          <div key={field}>
            <dt>{label}</dt>
            <dd>{sync[field]}</dd>
          </div>
        ))}
      </dl>
      {sync.error && <p className="error-text">{sync.error}</p>}
    </div>
  );
}

/** Microsoft Entra ID as a directory provider (profile photos from Microsoft Graph): SPEC §6 and §8. */
export function DirectoryProviders() {
  const tenant = useTenant();
  const page = useQuery(ConsoleDirectoryProvidersDocument, { tenant });
  const save = useMutation(ConsoleConfigureDirectoryProviderDocument);
  const test = useMutation(ConsoleTestDirectoryProviderDocument);
  const sync = useMutation(ConsoleSyncDirectoryDocument);
  const remove = useMutation(ConsoleRemoveDirectoryProviderDocument);
  const [clientId, setClientId] = useState('');
  const [directoryTenantId, setDirectoryTenantId] = useState('');
  const [secret, setSecret] = useState('');
  const [expires, setExpires] = useState('');
  const [tested, setTested] = useState<{ ok: boolean; message: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const ids = { client: useId(), tenant: useId(), secret: useId(), expires: useId() };

  const provider = page.data?.tenant?.directoryProvider ?? null;
  useEffect(() => {
    if (!provider) return;
    setClientId(provider.clientId);
    setDirectoryTenantId(provider.directoryTenantId);
    setExpires(provider.secretExpiresAt ? provider.secretExpiresAt.slice(0, 10) : '');
  }, [provider?.clientId, provider?.directoryTenantId, provider?.secretExpiresAt]);

  // While a sync runs, read its record again: soon at first (a small directory is done in a moment), then every 2 s.
  const running = provider?.lastSync?.state === 'RUNNING';
  useEffect(() => {
    if (!running) return;
    let delay = 250;
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      page.reload();
      delay = Math.min(delay * 2, 2000);
      timer = setTimeout(tick, delay);
    };
    timer = setTimeout(tick, delay);
    return () => clearTimeout(timer);
  }, [running, page.reload]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setTested(null);
    const answer = await save.run({
      tenant,
      input: {
        clientId: clientId.trim(),
        directoryTenantId: directoryTenantId.trim(),
        clientSecret: secret,
        secretExpiresAt: expires ? new Date(`${expires}T00:00:00Z`).toISOString() : null,
      },
    });
    if (answer) {
      setSecret('');
      setSaved(true);
      page.setData((d) => d && { ...d, tenant: d.tenant && { ...d.tenant, directoryProvider: answer.configureDirectoryProvider } });
    }
  };

  if (page.error && !page.data) return <ErrorMessage error={page.error} title="Directory providers could not be read." />;
  if (!page.data) return <Loading what="directory providers" />;
  const days = provider?.secretExpiresInDays ?? null;

  return (
    <>
      <h1>Directory providers</h1>
      <section aria-labelledby="entra-h">
        <h2 id="entra-h">Microsoft Entra ID</h2>
        <p className="muted small">
          Profile photos from Microsoft Graph (SCIM cannot send them). Register an app in Entra with the <code>User.Read.All</code> application
          permission and a client secret.
        </p>
        {days !== null && days <= EXPIRY_WARNING_DAYS && (
          <p className="warning" role="alert">
            {days < 0 ? 'The client secret has expired: photos no longer sync.' : `The client secret expires in ${days} days: create a new one in Entra and save it here.`}
          </p>
        )}
        <form onSubmit={submit} className="stack form-grid">
          <label htmlFor={ids.client}>Client ID</label>
          <input id={ids.client} required value={clientId} onChange={(e) => setClientId(e.target.value)} className="mono" spellCheck={false} />
          <label htmlFor={ids.tenant}>Tenant ID</label>
          <input id={ids.tenant} required value={directoryTenantId} onChange={(e) => setDirectoryTenantId(e.target.value)} className="mono" spellCheck={false} />
          <label htmlFor={ids.secret}>Secret Key</label>
          <input
            id={ids.secret}
            type="password"
            required
            autoComplete="off"
            value={secret}
            placeholder={provider ? 'Stored; enter it again to change the settings' : ''}
            onChange={(e) => setSecret(e.target.value)}
          />
          <label htmlFor={ids.expires}>Secret expires</label>
          <input id={ids.expires} type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
          <div className="row">
            <button type="submit" className="primary" disabled={save.busy}>
              Save
            </button>
            <button
              type="button"
              disabled={!provider || test.busy}
              onClick={async () => {
                setTested(null);
                const answer = await test.run({ tenant });
                if (answer) setTested(answer.testDirectoryProvider);
              }}
            >
              Test connection
            </button>
          </div>
        </form>
        {saved && <Notice>Saved. The secret is stored encrypted and never shown again.</Notice>}
        {test.busy && <p role="status">Testing the connection…</p>}
        {tested && (
          <p role="status" className={tested.ok ? 'notice' : 'error'}>
            {tested.ok ? 'Connection works: ' : 'Connection failed: '}
            {tested.message}
          </p>
        )}
        <ErrorMessage error={save.error ?? test.error} title="The directory provider was not saved or tested." />
      </section>

      {provider && (
        <section aria-labelledby="sync-h">
          <h2 id="sync-h">Sync</h2>
          <LastSync sync={provider.lastSync} />
          <div className="row">
            <button
              type="button"
              disabled={sync.busy || running}
              onClick={async () => {
                const answer = await sync.run({ tenant });
                if (answer) page.reload();
              }}
            >
              Sync now
            </button>
            <button
              type="button"
              className="danger"
              disabled={remove.busy}
              onClick={async () => {
                if ((await remove.run({ tenant })) !== null) {
                  setClientId('');
                  setDirectoryTenantId('');
                  setExpires('');
                  page.reload();
                }
              }}
            >
              Remove directory provider
            </button>
          </div>
          <ErrorMessage error={sync.error ?? remove.error} title="The sync did not start." />
        </section>
      )}
    </>
  );
}
