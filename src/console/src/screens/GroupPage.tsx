import { useState } from 'react';
import { ConsoleGroupDocument, ConsoleMappingsDocument, ConsoleSetGroupMappingDocument } from '../../generated/graphql';
import { useMutation, useQuery } from '../hooks';
import { Link } from '../router';
import { isAdmin, useSession, useTenant } from '../session';
import { ErrorMessage, Loading, Pager } from '../ui';
import { describeMapping, MappingEditor, toInput } from './Mappings';
import { SourceBadge, StatusBadge } from './Users';

export function GroupPage({ id }: { id: string }) {
  const tenant = useTenant();
  const { viewer } = useSession();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const group = useQuery(ConsoleGroupDocument, { tenant, id, first: 50, after: cursors[cursors.length - 1] });
  const mappings = useQuery(ConsoleMappingsDocument, { tenant });
  const save = useMutation(ConsoleSetGroupMappingDocument);
  const [editing, setEditing] = useState(false);

  if (group.error) return <ErrorMessage error={group.error} title="This group could not be read." />;
  if (!group.data) return <Loading what="the group" />;
  const g = group.data.group;
  if (!g)
    return (
      <div className="error" role="alert">
        There is no group with the id {id} in this tenant. <Link to={`/t/${tenant}/groups`}>Back to the groups</Link>
      </div>
    );
  const mapping = mappings.data?.permissionMappings.find((m) => m.group?.id === id) ?? null;
  const members = g.members;
  return (
    <>
      <p className="crumbs">
        <Link to={`/t/${tenant}/groups`}>Groups</Link> ›
      </p>
      <h1>{g.displayName}</h1>
      {g.externalId && <p className="muted">External ID {g.externalId}</p>}
      <section>
        <h2 id="mapping-h">Mapping</h2>
        {mappings.data && <p>Members get {mapping ? describeMapping(mapping) : 'nothing from this group (not mapped)'}.</p>}
        {isAdmin(viewer) && mappings.data && !editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Edit mapping of {g.displayName}
          </button>
        )}
        {editing && mappings.data && (
          <MappingEditor
            subject={`the mapping of ${g.displayName}`}
            initial={toInput(mapping)}
            teams={mappings.data.teams}
            busy={save.busy}
            onCancel={() => setEditing(false)}
            onSave={async (input) => {
              if (await save.run({ tenant, groupId: id, input })) {
                setEditing(false);
                mappings.reload();
              }
            }}
          />
        )}
        <ErrorMessage error={save.error ?? mappings.error} title="The mapping was not changed." />
      </section>
      <section>
        <h2 id="members-h">Members</h2>
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Members of {g.displayName}</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Source</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody aria-busy={group.loading}>
              {members.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>
                    <Link to={`/t/${tenant}/users/${node.id}`}>{node.displayName ?? node.userName}</Link>
                  </td>
                  <td>
                    <SourceBadge source={node.source} />
                  </td>
                  <td>
                    <StatusBadge active={node.active} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager
          what="members"
          shown={members.edges.length}
          total={members.totalCount}
          hasNext={members.pageInfo.hasNextPage}
          loading={group.loading}
          atFirst={cursors.length === 1}
          onFirst={() => setCursors([null])}
          onNext={() => setCursors([...cursors, members.pageInfo.endCursor])}
        />
      </section>
    </>
  );
}
