import { useId, useState, type FormEvent } from 'react';
import { ConsoleApiKeysDocument, ConsoleCreateApiKeyDocument, ConsoleRevokeApiKeyDocument, type PermissionLevel } from '../../generated/graphql';
import { useMutation, useQuery } from '../hooks';
import { useTenant } from '../session';
import { Badge, CopyButton, Dialog, ErrorMessage, LevelSelect, levelName, Loading, When } from '../ui';

export function ApiKeys() {
  const tenant = useTenant();
  const keys = useQuery(ConsoleApiKeysDocument, { tenant });
  const create = useMutation(ConsoleCreateApiKeyDocument);
  const revoke = useMutation(ConsoleRevokeApiKeyDocument);
  const [name, setName] = useState('');
  const [level, setLevel] = useState<PermissionLevel>('VIEWER');
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const nameId = useId();
  const tokenId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    const answer = await create.run({ tenant, input: { name: name.trim(), level } });
    if (answer) {
      setShown({ name: answer.createApiKey.apiKey.name, token: answer.createApiKey.token });
      setName('');
      keys.reload();
    }
  };
  return (
    <>
      <h1>API keys</h1>
      <section>
        <h2 id="create-key-h">Create an API key</h2>
        <form className="inline-form" onSubmit={submit}>
          <span className="field">
            <label htmlFor={nameId}>Key name</label>
            <input id={nameId} required value={name} onChange={(e) => setName(e.target.value)} />
          </span>
          <LevelSelect label="Level" value={level} onChange={setLevel} levels={['VIEWER', 'COLLABORATOR', 'ADMINISTRATOR']} />
          <button type="submit" disabled={create.busy}>
            Create API key
          </button>
        </form>
        <ErrorMessage error={create.error} title="The API key was not created." />
      </section>
      <section>
        <h2 id="keys-h">Keys</h2>
        <ErrorMessage error={keys.error ?? revoke.error} title="The API keys could not be read or changed." />
        {!keys.data && keys.loading && <Loading what="API keys" />}
        {keys.data &&
          (keys.data.apiKeys.length === 0 ? (
            <p className="muted">No API key yet.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">API keys</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Level</th>
                    <th scope="col">Key</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {keys.data.apiKeys.map((key) => (
                    <tr key={key.id}>
                      <td>{key.name}</td>
                      <td>{levelName(key.level)}</td>
                      <td>
                        <code>{key.prefix}…</code>
                      </td>
                      <td>
                        <When at={key.createdAt} />
                        {key.createdByLabel && <span className="muted small"> by {key.createdByLabel}</span>}
                      </td>
                      <td>
                        <When at={key.lastUsedAt} />
                      </td>
                      <td>
                        {key.revokedAt ? (
                          <Badge tone="off">Revoked</Badge>
                        ) : (
                          <button type="button" className="danger" onClick={() => setRevoking({ id: key.id, name: key.name })}>
                            Revoke {key.name}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </section>
      {shown && (
        <Dialog title={`API key ${shown.name}`} onClose={() => setShown(null)}>
          <p>
            The key is shown <strong>only now</strong>: Portico keeps only its hash. Send it as <code>Authorization: Bearer …</code>.
          </p>
          <label htmlFor={tokenId}>API key</label>
          <div className="row">
            <input id={tokenId} readOnly value={shown.token} className="mono" onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={shown.token} />
          </div>
          <div className="row end">
            <button type="button" className="primary" onClick={() => setShown(null)}>
              Done
            </button>
          </div>
        </Dialog>
      )}
      {revoking && (
        <Dialog title={`Revoke ${revoking.name}?`} onClose={() => setRevoking(null)}>
          <p>Whatever uses this key is refused from now on. This cannot be undone.</p>
          <div className="row end">
            <button type="button" onClick={() => setRevoking(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              disabled={revoke.busy}
              onClick={async () => {
                await revoke.run({ tenant, id: revoking.id });
                setRevoking(null);
                keys.reload();
              }}
            >
              Revoke
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
