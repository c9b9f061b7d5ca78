import { useState } from 'react';
import { ConsoleGroupsDocument, ConsoleMappingsDocument } from '../../generated/graphql';
import { useQuery } from '../hooks';
import { Link } from '../router';
import { useTenant } from '../session';
import { ErrorMessage, Loading, Pager } from '../ui';
import { describeMapping } from './Mappings';

const PAGE = 50;

/** The IdP groups Entra provisioned: members count and what each grants. */
export function Groups() {
  const tenant = useTenant();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const groups = useQuery(ConsoleGroupsDocument, { tenant, first: PAGE, after: cursors[cursors.length - 1] });
  const mappings = useQuery(ConsoleMappingsDocument, { tenant });
  const connection = groups.data?.groups;
  const mappingOf = (id: string) => mappings.data?.permissionMappings.find((m) => m.group?.id === id) ?? null;
  return (
    <>
      <h1>Groups</h1>
      <ErrorMessage error={groups.error} title="The groups could not be read." />
      {!connection && groups.loading && <Loading what="groups" />}
      {connection && (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Groups</caption>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Members</th>
                  <th scope="col">Mapping</th>
                </tr>
              </thead>
              <tbody aria-busy={groups.loading}>
                {connection.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <td>
                      <Link to={`/t/${tenant}/groups/${node.id}`}>{node.displayName}</Link>
                    </td>
                    <td>{node.members.totalCount.toLocaleString()}</td>
                    <td>{mappings.data ? (mappingOf(node.id) ? describeMapping(mappingOf(node.id)) : <span className="muted">not mapped</span>) : '…'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            what="groups"
            shown={connection.edges.length}
            total={connection.totalCount}
            hasNext={connection.pageInfo.hasNextPage}
            loading={groups.loading}
            atFirst={cursors.length === 1}
            onFirst={() => setCursors([null])}
            onNext={() => setCursors([...cursors, connection.pageInfo.endCursor])}
          />
        </>
      )}
    </>
  );
}
