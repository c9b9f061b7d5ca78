import { useId, useState, type FormEvent } from 'react';
import { ConsoleCreateTenantDocument, ConsoleTenantsDocument } from '../../generated/graphql';
import { useMutation, useQuery } from '../hooks';
import { Link } from '../router';
import { Badge, ErrorMessage, Loading, Notice, Pager, When } from '../ui';

const PAGE = 50;

/** The operator's list of tenants; each opens that tenant's screens. */
export function Tenants() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const tenants = useQuery(ConsoleTenantsDocument, { first: PAGE, after });
  const create = useMutation(ConsoleCreateTenantDocument);
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [created, setCreated] = useState('');
  const slugId = useId();
  const nameId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await create.run({ input: { slug: slug.trim(), name: name.trim() || undefined } });
    if (answer) {
      setCreated(answer.createTenant.slug);
      setSlug('');
      setName('');
      tenants.reload();
    }
  };

  const connection = tenants.data?.tenants;
  return (
    <>
      <h1>Tenants</h1>
      <section>
        <h2 id="create-tenant">Create a tenant</h2>
        <form className="inline-form" onSubmit={submit}>
          <span className="field">
            <label htmlFor={slugId}>Slug</label>
            <input id={slugId} required value={slug} onChange={(e) => setSlug(e.target.value)} />
          </span>
          <span className="field">
            <label htmlFor={nameId}>Name</label>
            <input id={nameId} value={name} onChange={(e) => setName(e.target.value)} />
          </span>
          <button type="submit" disabled={create.busy}>
            Create tenant
          </button>
        </form>
        <ErrorMessage error={create.error} title="The tenant was not created." />
        {created && (
          <Notice>
            Tenant <Link to={`/t/${created}/user-provisioning`}>{created}</Link> created.
          </Notice>
        )}
      </section>
      <section>
        <h2 id="all-tenants">All tenants</h2>
        <ErrorMessage error={tenants.error} title="The tenants could not be read." />
        {!connection && tenants.loading && <Loading what="tenants" />}
        {connection && (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Tenant</th>
                    <th scope="col">Slug</th>
                    <th scope="col">SCIM</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody aria-busy={tenants.loading}>
                  {connection.edges.map(({ node }) => (
                    <tr key={node.id}>
                      <td>
                        <Link to={`/t/${node.slug}/users`}>{node.name}</Link>
                      </td>
                      <td>{node.slug}</td>
                      <td>{node.scimEnabled ? <Badge tone="ok">On</Badge> : <Badge tone="off">Off</Badge>}</td>
                      <td>
                        <When at={node.createdAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              what="tenants"
              shown={connection.edges.length}
              total={connection.totalCount}
              hasNext={connection.pageInfo.hasNextPage}
              loading={tenants.loading}
              atFirst={cursors.length === 1}
              onFirst={() => setCursors([null])}
              onNext={() => setCursors([...cursors, connection.pageInfo.endCursor])}
            />
          </>
        )}
      </section>
    </>
  );
}
