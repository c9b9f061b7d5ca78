import { useId, useState, type FormEvent } from 'react';
import { ConsoleCreateTeamDocument, ConsoleTeamsDocument } from '../../generated/graphql';
import { useMutation, useQuery } from '../hooks';
import { Link } from '../router';
import { isAdmin, useSession, useTenant } from '../session';
import { Badge, ErrorMessage, Loading, Notice, When } from '../ui';

/** The product's own units of access: create here; rename, delete and members on each team's page. */
export function Teams() {
  const tenant = useTenant();
  const { viewer } = useSession();
  const teams = useQuery(ConsoleTeamsDocument, { tenant });
  const create = useMutation(ConsoleCreateTeamDocument);
  const [name, setName] = useState('');
  const [created, setCreated] = useState('');
  const nameId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    const answer = await create.run({ tenant, name: name.trim() });
    if (answer) {
      setCreated(answer.createTeam.name);
      setName('');
      teams.reload();
    }
  };
  return (
    <>
      <h1>Teams</h1>
      {isAdmin(viewer) && (
        <section>
          <h2 id="create-team-h">Create a team</h2>
          <form className="inline-form" onSubmit={submit}>
            <span className="field">
              <label htmlFor={nameId}>Team name</label>
              <input id={nameId} value={name} required maxLength={200} onChange={(e) => setName(e.target.value)} />
            </span>
            <button type="submit" disabled={create.busy}>
              Create team
            </button>
          </form>
          <ErrorMessage error={create.error} title="The team was not created." />
          {created && <Notice>Team {created} created.</Notice>}
        </section>
      )}
      <ErrorMessage error={teams.error} title="The teams could not be read." />
      {!teams.data && teams.loading && <Loading what="teams" />}
      {teams.data &&
        (teams.data.teams.length === 0 ? (
          <p className="muted">No team yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Teams</caption>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {teams.data.teams.map((team) => (
                  <tr key={team.id}>
                    <td>
                      <Link to={`/t/${tenant}/teams/${team.id}`}>{team.name}</Link>{' '}
                      {teams.data!.tenant?.fallbackTeamId === team.id && <Badge tone="off">Fallback team</Badge>}
                    </td>
                    <td>
                      <When at={team.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
