import { ConsoleEventsDocument, ConsoleUserDocument, type ConsoleGrantSourceFragment } from '../../generated/graphql';
import { useQuery } from '../hooks';
import { Link } from '../router';
import { isAdmin, useSession, useTenant } from '../session';
import { ErrorMessage, levelName, Loading, When } from '../ui';
import { EventList } from './ProvisioningLog';
import { Avatar, SourceBadge, StatusBadge } from './Users';

/** What granted a level: the groups by name (linked), or the tenant's default mapping. */
export function GrantedBy({ sources }: { sources: ConsoleGrantSourceFragment[] }) {
  const tenant = useTenant();
  if (sources.length === 0) return <span className="muted">nothing</span>;
  return (
    <ul className="inline-list">
      {sources.map((source, i) => (
        <li key={source.group?.id ?? `default-${i}`}>
          {source.isDefault ? (
            <span>the default mapping</span>
          ) : source.group ? (
            <span>
              group <Link to={`/t/${tenant}/groups/${source.group.id}`}>{source.group.displayName}</Link>
            </span>
          ) : (
            <span className="muted">a deleted group</span>
          )}
        </li>
      ))}
    </ul>
  );
}

export function UserPage({ id }: { id: string }) {
  const tenant = useTenant();
  const { viewer } = useSession();
  const user = useQuery(ConsoleUserDocument, { tenant, id });
  const admin = isAdmin(viewer);
  const events = useQuery(ConsoleEventsDocument, { tenant, first: 20, filter: { subjectId: id } }, { skip: !admin });

  if (user.error) return <ErrorMessage error={user.error} title="This user could not be read." />;
  if (!user.data) return <Loading what="the user" />;
  const u = user.data.user;
  if (!u)
    return (
      <div className="error" role="alert">
        There is no user with the id {id} in this tenant. <Link to={`/t/${tenant}/users`}>Back to the users</Link>
      </div>
    );
  const name = u.displayName ?? u.userName;
  const attributes: [string, React.ReactNode][] = [
    ['User name', u.userName],
    ['External ID', u.externalId],
    ['Given name', u.name.givenName],
    ['Family name', u.name.familyName],
    ['Title', u.title],
    ['Department', u.department],
    ['Division', u.division],
    ['Organization', u.organization],
    ['Cost center', u.costCenter],
    ['Employee number', u.employeeNumber],
    ['User type', u.userType],
    ['Manager ID', u.managerId],
    ['Preferred language', u.preferredLanguage],
    ['Locale', u.locale],
    ['Time zone', u.timezone],
    ['E-mails', u.emails.length ? u.emails.map((e) => `${e.value}${e.type ? ` (${e.type})` : ''}${e.primary ? ', primary' : ''}`).join('; ') : null],
    ['Phone numbers', u.phoneNumbers.length ? u.phoneNumbers.map((p) => `${p.value}${p.type ? ` (${p.type})` : ''}`).join('; ') : null],
    ['Created', <When key="c" at={u.createdAt} />],
    ['Updated', <When key="u" at={u.updatedAt} />],
  ];
  return (
    <>
      <p className="crumbs">
        <Link to={`/t/${tenant}/users`}>Users</Link> ›
      </p>
      <div className="user-head">
        <Avatar user={u} size={64} />
        <div>
          <h1>{name}</h1>
          <p>
            <SourceBadge source={u.source} /> <StatusBadge active={u.active} />
          </p>
        </div>
      </div>

      <section>
        <h2 id="access-h">Effective access</h2>
        {!u.active && <p className="notice">A deactivated user has no access and no sessions.</p>}
        <p>
          Global level: <strong>{levelName(u.access.globalLevel)}</strong>, granted by <GrantedBy sources={u.access.globalGrantedBy} />
        </p>
        {u.access.fromDefault && <p className="muted">This user’s groups grant nothing: the default mapping and the fallback team apply.</p>}
        {u.access.teams.length === 0 ? (
          <p className="muted">No team access.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Team access</caption>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Level</th>
                  <th scope="col">Granted by</th>
                </tr>
              </thead>
              <tbody>
                {u.access.teams.map((grant) => (
                  <tr key={grant.team.id}>
                    <td>
                      <Link to={`/t/${tenant}/teams/${grant.team.id}`}>{grant.team.name}</Link>
                    </td>
                    <td>{levelName(grant.level)}</td>
                    <td>
                      <GrantedBy sources={grant.grantedBy} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section>
        <h2 id="groups-h">Groups</h2>
        {u.groups.length === 0 ? (
          <p className="muted">In no group.</p>
        ) : (
          <ul>
            {u.groups.map((g) => (
              <li key={g.id}>
                <Link to={`/t/${tenant}/groups/${g.id}`}>{g.displayName}</Link>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section>
        <h2 id="attrs-h">Attributes</h2>
        <dl className="attributes">
          {attributes
            .filter(([, value]) => value !== null && value !== undefined && value !== '')
            .map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
        </dl>
      </section>

      {admin && (
        <section>
          <h2 id="events-h">Events</h2>
          <ErrorMessage error={events.error} title="The events could not be read." />
          {!events.data && events.loading && <Loading what="events" />}
          {events.data && <EventList events={events.data.provisioningEvents.edges.map((e) => e.node)} label={`Events of ${name}`} />}
        </section>
      )}
    </>
  );
}
