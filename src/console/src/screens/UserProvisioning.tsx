import { useId, useMemo, useState } from 'react';
import {
  ConsoleClearFallbackTeamDocument,
  ConsoleDisableScimDocument,
  ConsoleEnableScimDocument,
  ConsoleGenerateScimTokenDocument,
  ConsoleMappingsDocument,
  ConsoleProvisioningDocument,
  ConsoleSetFallbackTeamDocument,
} from '../../generated/graphql';
import { useMutation, useQuery } from '../hooks';
import { Link } from '../router';
import { useTenant } from '../session';
import { CopyButton, CopyField, Dialog, ErrorMessage, Loading, Notice, Switch, When } from '../ui';
import { DefaultMapping, GroupMappings } from './Mappings';

const OVERLAPS = [
  { seconds: 0, label: 'None: the current token stops working now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 7 * 86_400, label: '7 days' },
];

/** The one-time token: shown once, with Copy, and the Tenant URL that goes beside it in Entra. */
function TokenDialog({ token, baseUrl, onClose }: { token: string; baseUrl: string; onClose: () => void }) {
  const tokenId = useId();
  const urlId = useId();
  return (
    <Dialog title="SCIM token" onClose={onClose}>
      <p>
        Paste these into Entra: <em>Provisioning › Admin Credentials</em>. The token is shown <strong>only now</strong>: Portico keeps
        no copy of it.
      </p>
      <label htmlFor={tokenId}>Secret Token</label>
      <div className="row">
        <input id={tokenId} readOnly value={token} className="mono" onFocus={(e) => e.currentTarget.select()} />
        <CopyButton text={token} />
      </div>
      <label htmlFor={urlId}>Tenant URL</label>
      <input id={urlId} readOnly value={baseUrl} className="mono" onFocus={(e) => e.currentTarget.select()} />
      <div className="row end">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}

function RegenerateDialog({ onGenerate, onClose, busy }: { onGenerate: (graceSeconds: number) => void; onClose: () => void; busy: boolean }) {
  const [grace, setGrace] = useState(0);
  const graceId = useId();
  return (
    <Dialog title="Regenerate token" onClose={onClose}>
      <p className="warning">
        A new token invalidates the current one: Entra stops provisioning until you paste the new token into it, unless you keep the
        old one working for an overlap period.
      </p>
      <label htmlFor={graceId}>Overlap period</label>
      <select id={graceId} value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
        {OVERLAPS.map((o) => (
          <option key={o.seconds} value={o.seconds}>
            {o.label}
          </option>
        ))}
      </select>
      <div className="row end">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={busy} onClick={() => onGenerate(grace)}>
          Generate new token
        </button>
      </div>
    </Dialog>
  );
}

/** SCIM for Entra: the switch, the token, the Tenant URL, what Entra sent, the fallback team and the mappings. */
export function UserProvisioning() {
  const tenant = useTenant();
  const since = useMemo(() => new Date(Date.now() - 86_400_000).toISOString(), []);
  const page = useQuery(ConsoleProvisioningDocument, { tenant, since });
  const mappings = useQuery(ConsoleMappingsDocument, { tenant });
  const enable = useMutation(ConsoleEnableScimDocument);
  const disable = useMutation(ConsoleDisableScimDocument);
  const generate = useMutation(ConsoleGenerateScimTokenDocument);
  const setFallback = useMutation(ConsoleSetFallbackTeamDocument);
  const clearFallback = useMutation(ConsoleClearFallbackTeamDocument);
  const [shown, setShown] = useState<{ token: string; baseUrl: string } | null>(null);
  const [regenerating, setRegenerating] = useState(false);
  const [saved, setSaved] = useState('');
  const fallbackId = useId();

  const newToken = async (graceSeconds?: number) => {
    const answer = await generate.run({ tenant, graceSeconds: graceSeconds || undefined });
    setRegenerating(false);
    if (answer) setShown(answer.generateScimToken);
    page.reload();
  };
  const toggle = async (on: boolean) => {
    if (on) {
      if (!(await enable.run({ tenant }))) return;
      await newToken();
    } else {
      await disable.run({ tenant });
      page.reload();
    }
  };

  if (page.error) return <ErrorMessage error={page.error} title="User provisioning could not be read." />;
  if (!page.data) return <Loading what="user provisioning" />;
  const scim = page.data.scimSettings;
  const teams = mappings.data?.teams ?? [];
  const fallbackTeamId = page.data.tenant?.fallbackTeamId ?? '';
  const busy = enable.busy || disable.busy || generate.busy;

  return (
    <>
      <h1>User provisioning</h1>
      <section>
        <h2 id="scim-h">SCIM</h2>
        <Switch
          label="SCIM provisioning"
          checked={scim.enabled}
          disabled={busy}
          onChange={toggle}
          description="Microsoft Entra creates, updates and deactivates this tenant’s users and groups through SCIM 2.0."
        />
        <ErrorMessage error={enable.error ?? disable.error ?? generate.error} title="SCIM provisioning was not changed." />
        <CopyField label="Tenant URL" value={scim.baseUrl} />
        <dl className="facts">
          <div>
            <dt>Token</dt>
            <dd>{scim.tokenPrefix ? <code>{scim.tokenPrefix}…</code> : <span className="muted">none</span>}</dd>
          </div>
          <div>
            <dt>Token created</dt>
            <dd>
              <When at={scim.tokenCreatedAt} />
              {scim.tokenCreatedByLabel && <span className="muted"> by {scim.tokenCreatedByLabel}</span>}
            </dd>
          </div>
          <div>
            <dt>Token last used</dt>
            <dd>
              <When at={scim.tokenLastUsedAt} />
            </dd>
          </div>
          <div>
            <dt>Requests from Entra in the last 24 h</dt>
            <dd>{scim.requestsLast24h.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Refused in the last 24 h</dt>
            <dd>
              <Link to={`/t/${tenant}/provisioning-log?type=SCIM_REQUEST_REJECTED`}>{scim.refusedLast24h.toLocaleString()} refused</Link>
            </dd>
          </div>
          <div>
            <dt>Changes Entra made in the last 24 h</dt>
            <dd>
              <Link to={`/t/${tenant}/provisioning-log`}>{page.data.scimChanges.totalCount.toLocaleString()}</Link>
            </dd>
          </div>
        </dl>
        <p className="muted small">
          Every request to the Tenant URL counts, by the hour and a few seconds late; a refused one was answered with an error. The
          Provisioning log shows what a refused request sent and why.
        </p>
        {scim.enabled && (
          <button type="button" onClick={() => setRegenerating(true)} disabled={busy}>
            Regenerate token
          </button>
        )}
      </section>

      <section>
        <h2 id="fallback-h">Fallback team</h2>
        <p className="muted small">Everyone whose groups grant nothing joins this team (at Viewer, or what the default mapping grants it).</p>
        <label htmlFor={fallbackId}>Fallback team</label>
        <select
          id={fallbackId}
          value={fallbackTeamId}
          disabled={setFallback.busy || clearFallback.busy || !mappings.data}
          onChange={async (e) => {
            const teamId = e.target.value;
            setSaved('');
            const ok = teamId ? await setFallback.run({ tenant, teamId }) : await clearFallback.run({ tenant });
            if (ok) setSaved(teamId ? `Fallback team set to ${teams.find((t) => t.id === teamId)?.name}.` : 'No fallback team.');
            page.reload();
          }}
        >
          <option value="">No fallback team</option>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        {saved && <Notice>{saved}</Notice>}
        <ErrorMessage error={setFallback.error ?? clearFallback.error} title="The fallback team was not changed." />
      </section>

      <ErrorMessage error={mappings.error} title="The mappings could not be read." />
      {mappings.data ? (
        <>
          <DefaultMapping mapping={mappings.data.permissionMappings.find((m) => m.isDefault) ?? null} teams={teams} onChanged={mappings.reload} />
          <GroupMappings mappings={mappings.data.permissionMappings} teams={teams} onChanged={mappings.reload} />
        </>
      ) : (
        mappings.loading && <Loading what="mappings" />
      )}

      {regenerating && <RegenerateDialog busy={generate.busy} onClose={() => setRegenerating(false)} onGenerate={newToken} />}
      {shown && <TokenDialog token={shown.token} baseUrl={shown.baseUrl} onClose={() => setShown(null)} />}
    </>
  );
}
