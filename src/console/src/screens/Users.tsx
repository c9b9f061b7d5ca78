import { useEffect, useId, useRef, useState } from 'react';
import { ConsoleUsersDocument, type ConsoleUsersQuery } from '../../generated/graphql';
import { useDebounced, usePhoto, useQuery } from '../hooks';
import { watchEventsFromLatest } from '../live';
import { Link, navigate, useLocation } from '../router';
import { isAdmin, useSession, useTenant } from '../session';
import { Badge, ErrorMessage, Loading, Pager } from '../ui';

const PAGE = 50;
const USER_EVENTS = [
  'USER_CREATED',
  'USER_UPDATED',
  'USER_DEACTIVATED',
  'USER_REACTIVATED',
  'USER_DELETED',
  'USER_RESTORED',
  'USER_PURGED',
  'USER_PHOTO_CHANGED',
] as const;

type UserRow = ConsoleUsersQuery['users']['edges'][number]['node'];

/** The user's photo (fetched with the console's credential), else their initials. */
export function Avatar({ user, size = 32 }: { user: { displayName: string | null; userName: string; photoUrl: string | null }; size?: number }) {
  const src = usePhoto(user.photoUrl);
  const [broken, setBroken] = useState<string | null>(null);
  const name = user.displayName ?? user.userName;
  const initials = name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('');
  if (src && broken !== src)
    return <img className="avatar" src={src} alt={`Photo of ${name}`} width={size} height={size} onError={() => setBroken(src)} />;
  return (
    <span className="avatar avatar-initials" aria-hidden="true" data-size={size}>
      {initials}
    </span>
  );
}

export const SourceBadge = ({ source }: { source: UserRow['source'] }) =>
  source === 'SCIM' ? <Badge>Microsoft Entra</Badge> : source === 'SAML_JIT' ? <Badge tone="off">Created at sign-in</Badge> : null;

export const StatusBadge = ({ active }: { active: boolean }) => (active ? <Badge tone="ok">Active</Badge> : <Badge tone="warn">Deactivated</Badge>);

/**
 * Every user of the tenant: searched and paged by the server (the page never holds more than one page), kept
 * current by the live feed, so a user Entra provisions shows without a reload.
 */
export function Users() {
  const tenant = useTenant();
  const { viewer } = useSession();
  const { query } = useLocation();
  const [search, setSearch] = useState(query.get('search') ?? '');
  const [status, setStatus] = useState(query.get('status') ?? 'all');
  const debounced = useDebounced(search.trim(), 250);
  // The cursors of the pages walked so far, for the filter they were given out with: a new search starts at the
  // first page in the same render (never asks for the new search after a cursor of the old one).
  const filterKey = JSON.stringify([debounced, status]);
  const [paging, setPaging] = useState<{ filterKey: string; cursors: (string | null)[] }>({ filterKey, cursors: [null] });
  const cursors = paging.filterKey === filterKey ? paging.cursors : [null];
  // A photo that changed keeps its URL: counting the changes per user remounts that avatar, which asks again.
  const [photoChanges, setPhotoChanges] = useState<Record<string, number>>({});
  const searchId = useId();
  const statusId = useId();

  useEffect(() => {
    const params = new URLSearchParams();
    if (debounced) params.set('search', debounced);
    if (status !== 'all') params.set('status', status);
    const qs = params.toString();
    navigate(`/t/${tenant}/users${qs ? `?${qs}` : ''}`, { replace: true });
  }, [debounced, status, tenant]);

  const filter = { ...(debounced && { search: debounced }), ...(status !== 'all' && { active: status === 'active' }) };
  const users = useQuery(ConsoleUsersDocument, { tenant, first: PAGE, after: cursors[cursors.length - 1], filter });

  // Live: reload the page shown when users change (administrators have the event feed; others poll). Events
  // that come together are one reload, and while Entra provisions thousands of users the page is read again at
  // most once a second (each read counts the tenant's users), yet never waits for the stream to pause.
  const reload = useRef(users.reload);
  reload.current = users.reload;
  const admin = isAdmin(viewer);
  useEffect(() => {
    let pending: ReturnType<typeof setTimeout> | undefined;
    let lastReload = 0;
    const soon = () => {
      if (pending !== undefined) return;
      const wait = Math.max(150, lastReload + 1000 - Date.now());
      pending = setTimeout(() => {
        pending = undefined;
        lastReload = Date.now();
        reload.current();
      }, wait);
    };
    if (!admin) {
      const timer = setInterval(soon, 15_000);
      return () => clearInterval(timer);
    }
    const stop = watchEventsFromLatest(
      { tenant, types: [...USER_EVENTS] },
      (event) => {
        const user = event.subjectId;
        if (event.type === 'USER_PHOTO_CHANGED' && user) setPhotoChanges((changes) => ({ ...changes, [user]: (changes[user] ?? 0) + 1 }));
        soon();
      },
      () => {},
      soon,
    );
    return () => {
      clearTimeout(pending);
      stop();
    };
  }, [tenant, admin]);

  const connection = users.data?.users;
  return (
    <>
      <h1>Users</h1>
      <div className="toolbar" role="search">
        <span className="field">
          <label htmlFor={searchId}>Search users</label>
          <input
            id={searchId}
            type="search"
            value={search}
            placeholder="Name, user name or e-mail"
            onChange={(e) => setSearch(e.target.value)}
          />
        </span>
        <span className="field">
          <label htmlFor={statusId}>Status</label>
          <select id={statusId} value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="all">All</option>
            <option value="active">Active</option>
            <option value="deactivated">Deactivated</option>
          </select>
        </span>
        {users.loading && connection && (
          <span className="muted" role="status">
            Updating…
          </span>
        )}
      </div>
      <ErrorMessage error={users.error} title="The users could not be read." />
      {!connection && users.loading && <Loading what="users" />}
      {connection && (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Users</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">User name</th>
                  <th scope="col">Source</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="wide-only">
                    Title
                  </th>
                </tr>
              </thead>
              <tbody aria-busy={users.loading}>
                {connection.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <td>
                      <span className="user-cell">
                        <Avatar key={photoChanges[node.id] ?? 0} user={node} />
                        <Link to={`/t/${tenant}/users/${node.id}`}>{node.displayName ?? node.userName}</Link>
                      </span>
                    </td>
                    <td className="break">{node.userName}</td>
                    <td>
                      <SourceBadge source={node.source} />
                    </td>
                    <td>
                      <StatusBadge active={node.active} />
                    </td>
                    <td className="wide-only">{node.title}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            what="users"
            shown={connection.edges.length}
            total={connection.totalCount}
            hasNext={connection.pageInfo.hasNextPage}
            loading={users.loading}
            atFirst={cursors.length === 1}
            onFirst={() => setPaging({ filterKey, cursors: [null] })}
            onNext={() => setPaging({ filterKey, cursors: [...cursors, connection.pageInfo.endCursor] })}
          />
        </>
      )}
    </>
  );
}
