import { useId, useState, type FormEvent } from 'react';
import {
  ConsoleConfigureSamlDocument,
  ConsoleRefreshSamlMetadataDocument,
  ConsoleSingleSignOnDocument,
  ConsoleUpdateTenantSettingsDocument,
  type ConsoleSamlFragment,
} from '../../generated/graphql';
import { useMutation, useQuery } from '../hooks';
import { useTenant } from '../session';
import { Badge, CopyField, daysUntil, ErrorMessage, Loading, Notice, Switch, When } from '../ui';

function Certificates({ saml }: { saml: ConsoleSamlFragment }) {
  if (saml.idpCertificates.length === 0) return <p className="muted">No signing certificate is trusted yet.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption>Signing certificates</caption>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Valid from</th>
            <th scope="col">Expires</th>
            <th scope="col" className="wide-only">
              SHA-256 fingerprint
            </th>
          </tr>
        </thead>
        <tbody>
          {saml.idpCertificates.map((c) => {
            const days = daysUntil(c.notAfter);
            return (
              <tr key={c.fingerprint}>
                <td className="break">{c.subject}</td>
                <td>
                  <When at={c.notBefore} date />
                </td>
                <td>
                  <When at={c.notAfter} date />{' '}
                  {days < 0 ? <Badge tone="warn">expired</Badge> : days <= 30 ? <Badge tone="warn">expires in {days} days</Badge> : null}
                </td>
                <td className="wide-only mono break small">{c.fingerprint}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** SAML: the SP values to copy into Entra, Entra's metadata to trust, and the sign-in switches. */
export function SingleSignOn() {
  const tenant = useTenant();
  const page = useQuery(ConsoleSingleSignOnDocument, { tenant });
  const configure = useMutation(ConsoleConfigureSamlDocument);
  const refresh = useMutation(ConsoleRefreshSamlMetadataDocument);
  const settings = useMutation(ConsoleUpdateTenantSettingsDocument);
  const [metadataUrl, setMetadataUrl] = useState('');
  const [xml, setXml] = useState('');
  const [saved, setSaved] = useState('');
  const urlId = useId();
  const xmlId = useId();
  const fileId = useId();

  const apply = async (input: { metadataUrl?: string; metadataXml?: string }, what: string) => {
    setSaved('');
    const answer = await configure.run({ tenant, input });
    if (answer) {
      page.setData((d) => d && { ...d, samlSettings: answer.configureSaml });
      setSaved(`The IdP configuration was replaced from the ${what}.`);
      setXml('');
    }
  };
  const submitUrl = (event: FormEvent) => {
    event.preventDefault();
    if (metadataUrl.trim()) void apply({ metadataUrl: metadataUrl.trim() }, 'metadata URL');
  };
  const submitXml = (event: FormEvent) => {
    event.preventDefault();
    if (xml.trim()) void apply({ metadataXml: xml }, 'metadata XML');
  };

  if (page.error) return <ErrorMessage error={page.error} title="Single sign-on could not be read." />;
  if (!page.data) return <Loading what="single sign-on" />;
  const saml = page.data.samlSettings;
  const t = page.data.tenant;
  const toggle = async (input: { jitSignIn?: boolean; idpInitiatedSignIn?: boolean }) => {
    const answer = await settings.run({ tenant, input });
    if (answer) page.setData((d) => d && { ...d, tenant: d.tenant && { ...d.tenant, ...answer.updateTenantSettings } });
  };

  return (
    <>
      <h1>Single sign-on</h1>
      <section>
        <h2 id="sp-h">Portico’s values for Entra</h2>
        <p className="muted small">
          In Entra: <em>Enterprise application › Single sign-on › SAML › Basic SAML Configuration</em>.
        </p>
        <CopyField label="Identifier (Entity ID)" value={saml.spEntityId} />
        <CopyField label="Reply URL (Assertion Consumer Service URL)" value={saml.acsUrl} />
        <CopyField label="Sign on URL" value={saml.loginUrl} />
        <CopyField label="Logout URL" value={saml.logoutUrl} />
        <CopyField label="SP metadata URL" value={saml.metadataUrl} />
        <p>
          <a href={`/api/${encodeURIComponent(tenant)}/saml/metadata`} download={`portico-${tenant}-sp-metadata.xml`}>
            Download SP metadata
          </a>
        </p>
      </section>

      <section>
        <h2 id="idp-h">Entra’s metadata</h2>
        <form onSubmit={submitUrl} className="stack">
          <label htmlFor={urlId}>App Federation Metadata URL</label>
          <div className="row">
            <input
              id={urlId}
              type="url"
              inputMode="url"
              placeholder="https://login.microsoftonline.com/…/federationmetadata/2007-06/federationmetadata.xml?appid=…"
              value={metadataUrl}
              onChange={(e) => setMetadataUrl(e.target.value)}
            />
            <button type="submit" disabled={configure.busy || !metadataUrl.trim()}>
              Use metadata URL
            </button>
          </div>
        </form>
        <form onSubmit={submitXml} className="stack">
          <label htmlFor={xmlId}>Federation metadata XML</label>
          <textarea id={xmlId} rows={6} className="mono" value={xml} onChange={(e) => setXml(e.target.value)} spellCheck={false} />
          <div className="row">
            <label htmlFor={fileId} className="file-label">
              Upload metadata XML file
            </label>
            <input
              id={fileId}
              type="file"
              accept=".xml,application/xml,text/xml"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (file) setXml(await file.text());
              }}
            />
            <button type="submit" disabled={configure.busy || !xml.trim()}>
              Use metadata XML
            </button>
          </div>
        </form>
        <ErrorMessage error={configure.error} title="The metadata was not applied." />
        {saved && <Notice>{saved}</Notice>}
      </section>

      <section>
        <h2 id="trusted-h">Trusted identity provider</h2>
        {!saml.configured && <p className="notice">SAML sign-in is not configured yet.</p>}
        <dl className="facts">
          <div>
            <dt>IdP entity ID</dt>
            <dd className="break">{saml.idpEntityId ?? <span className="muted">none</span>}</dd>
          </div>
          <div>
            <dt>IdP sign-in URL</dt>
            <dd className="break">{saml.idpSsoUrl ?? <span className="muted">none</span>}</dd>
          </div>
          <div>
            <dt>IdP logout URL</dt>
            <dd className="break">{saml.idpSloUrl ?? <span className="muted">none</span>}</dd>
          </div>
          <div>
            <dt>Metadata URL</dt>
            <dd className="break">{saml.idpMetadataUrl ?? <span className="muted">none (configured from XML or by hand)</span>}</dd>
          </div>
          <div>
            <dt>Last metadata refresh</dt>
            <dd>
              <When at={saml.metadataRefreshedAt} />
            </dd>
          </div>
          {saml.metadataRefreshError && (
            <div>
              <dt>Last refresh error</dt>
              <dd className="error-text">{saml.metadataRefreshError}</dd>
            </div>
          )}
        </dl>
        {saml.idpMetadataUrl && (
          <button
            type="button"
            disabled={refresh.busy}
            onClick={async () => {
              const answer = await refresh.run({ tenant });
              if (answer) page.setData((d) => d && { ...d, samlSettings: answer.refreshSamlMetadata });
            }}
          >
            Refresh metadata now
          </button>
        )}
        <ErrorMessage error={refresh.error} title="The metadata was not refreshed." />
        <Certificates saml={saml} />
      </section>

      {t && (
        <section>
          <h2 id="switches-h">Sign-in options</h2>
          <Switch
            label="Just-in-time user creation"
            checked={t.jitSignIn}
            disabled={settings.busy}
            onChange={(jitSignIn) => toggle({ jitSignIn })}
            description="Someone Entra signs in who was not provisioned is created on the fly."
          />
          <Switch
            label="IdP-initiated sign-in"
            checked={t.idpInitiatedSignIn}
            disabled={settings.busy}
            onChange={(idpInitiatedSignIn) => toggle({ idpInitiatedSignIn })}
            description="Sign-in started from My Apps (a response Portico did not ask for) is accepted."
          />
          <ErrorMessage error={settings.error} title="The sign-in options were not changed." />
        </section>
      )}
    </>
  );
}
