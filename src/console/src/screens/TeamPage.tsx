import { useId, useState, type FormEvent } from 'react';
import { ConsoleDeleteTeamDocument, ConsoleRenameTeamDocument, ConsoleTeamDocument } from '../../generated/graphql';
import { useMutation, useQuery } from '../hooks';
import { Link, navigate } from '../router';
import { isAdmin, useSession, useTenant } from '../session';
import { Dialog, ErrorMessage, levelName, Loading, Notice, Pager } from '../ui';
import { GrantedBy } from './UserPage';

export function TeamPage({ id }: { id: string }) {
  const tenant = useTenant();
  const { viewer } = useSession();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const team = useQuery(ConsoleTeamDocument, { tenant, id, first: 50, after: cursors[cursors.length - 1] });
  const rename = useMutation(ConsoleRenameTeamDocument);
  const remove = useMutation(ConsoleDeleteTeamDocument);
  const [name, setName] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [renamed, setRenamed] = useState(false);
  const nameId = useId();

  if (team.error) return <ErrorMessage error={team.error} title="This team could not be read." />;
  if (!team.data) return <Loading what="the team" />;
  const t = team.data.team;
  const admin = isAdmin(viewer);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name?.trim()) return;
    const answer = await rename.run({ tenant, teamId: id, name: name.trim() });
    if (answer) {
      setName(null);
      setRenamed(true);
      team.reload();
    }
  };
  const members = t.members;
  return (
    <>
      <p className="crumbs">
        <Link to={`/t/${tenant}/teams`}>Teams</Link> ›
      </p>
      <h1>{t.name}</h1>
      {admin && (
        <section>
          <h2 id="manage-h">Manage</h2>
          <form className="inline-form" onSubmit={submit}>
            <span className="field">
              <label htmlFor={nameId}>New name</label>
              <input id={nameId} value={name ?? t.name} required onChange={(e) => setName(e.target.value)} />
            </span>
            <button type="submit" disabled={rename.busy || !name || name.trim() === t.name}>
              Rename team
            </button>
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Delete team
            </button>
          </form>
          {renamed && <Notice>Team renamed.</Notice>}
          <ErrorMessage error={rename.error ?? remove.error} title="The team was not changed." />
        </section>
      )}
      <section>
        <h2 id="members-h">Members and why they have access</h2>
        {members.totalCount === 0 ? (
          <p className="muted">Nobody has access to this team.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Members of {t.name}</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Level</th>
                  <th scope="col">Granted by</th>
                </tr>
              </thead>
              <tbody aria-busy={team.loading}>
                {members.edges.map(({ node }) => (
                  <tr key={node.user.id}>
                    <td>
                      <Link to={`/t/${tenant}/users/${node.user.id}`}>{node.user.displayName ?? node.user.userName}</Link>
                    </td>
                    <td>{levelName(node.level)}</td>
                    <td>
                      <GrantedBy sources={node.grantedBy} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager
          what="members"
          shown={members.edges.length}
          total={members.totalCount}
          hasNext={members.pageInfo.hasNextPage}
          loading={team.loading}
          atFirst={cursors.length === 1}
          onFirst={() => setCursors([null])}
          onNext={() => setCursors([...cursors, members.pageInfo.endCursor])}
        />
      </section>
      {confirming && (
        <Dialog title={`Delete team ${t.name}?`} onClose={() => setConfirming(false)}>
          <p>Its grants in every mapping go with it; if it is the fallback team, there will be none.</p>
          <div className="row end">
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              disabled={remove.busy}
              onClick={async () => {
                const answer = await remove.run({ tenant, teamId: id });
                setConfirming(false);
                if (answer !== null) navigate(`/t/${tenant}/teams`);
              }}
            >
              Delete
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
