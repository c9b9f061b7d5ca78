import { named, type SqlClient, type Statement } from '../shared/sql-client';
import type { User, UserVersion } from './user.entity';
import { USER_SELECTED, userFromRow } from './user.repository';
import { KEY_STRIDE, type UserPageKey } from './live-user-order';

/**
 * A tenant's live users as `live_user_counts` says (migration 20261201900000): their number, the version of
 * the set (it changes with every committed arrival or departure, and only then), and how many change rows
 * were summed for it (the repository folds them into one when there are many).
 */
export interface LiveUserCount {
  total: number;
  version: string;
  changeRows: number;
}

// Named apart from every column of `users`, which a page's rows carry beside them (a user has a `version` too).
const COUNT = `select coalesce(sum(live), 0)::int as live_total, coalesce(sum(changes), 0)::text as live_version, count(*)::int as live_change_rows
                 from live_user_counts where tenant_id = $1`;

const TOTAL = named('live_user_total', COUNT);

/**
 * A page of the tenant's live users after the key `($2, $3)`, skipping `$5` and taking `$4`, with the count of
 * the same snapshot. Named: its generic plan walks `users_tenant_created_live` from the key, in the page's order
 * (generic-plans.test.ts), and planning it anew for each page cost PostgreSQL about 0.7 ms of the page's 1.9.
 *
 * Two forms. Near a remembered key (`skip` under a stride, the usual page) the rows are read as the index finds
 * them. Far from any key (a walk to the offset) the index finds the page's ids (an index-only scan where the
 * visibility map allows), and only the page's rows are read whole. The walk's join costs a second lookup of each
 * row of the page (0.3 ms of PostgreSQL per page of 100), which the near form does without.
 */
/** The page's rows in `users`: live, after the key, in the page's order, skipped and taken. */
const AFTER_KEY = `from users u
         where u.tenant_id = $1 and u.deleted_at is null and (u.created_at, u.id) > ($2::timestamptz, $3::uuid)
         order by u.created_at, u.id limit $4 offset $5`;
/** The statement of a page whose CTEs end in `page`, with the count of the same snapshot beside it. */
const countedPage = (pageCtes: string) => `with counted as (${COUNT}), ${pageCtes}
         select counted.*, page.* from counted left join page on true
          order by page.created_at, page.id`;
/** Both forms of a page of `columns`, named `name` (near) and `name_walk`. */
const pageForms = (name: string, columns: string) => ({
  near: named(name, countedPage(`page as (select ${columns} ${AFTER_KEY})`)),
  walk: named(`${name}_walk`, countedPage(`ids as (select u.id ${AFTER_KEY}), page as (select ${columns} from users u join ids on ids.id = u.id)`)),
});
const PAGE = pageForms('live_user_page', USER_SELECTED);
/** The same page, each user only by what decides its SCIM document (see UserVersion). */
const PAGE_VERSIONS = pageForms('live_user_page_versions', 'u.id, u.version, u.photo_etag, u.created_at');
/** A page that skips a stride or more is a walk: no remembered key was near it. */
const formFor = (skip: number) => (skip < KEY_STRIDE ? 'near' : 'walk');

/** Every `$2`-th live user's key (the last of each stride), in order, with the version of the same snapshot. */
const STRIDE_KEYS: Statement = {
  text: `with counted as (${COUNT})
         select counted.live_version, keys.created_at, keys.id from counted left join (
           select created_at, id, n from (
             select u.created_at::text as created_at, u.id, row_number() over (order by u.created_at, u.id) as n
               from users u where u.tenant_id = $1 and u.deleted_at is null) numbered
            where n % $2 = 0) keys on true
          order by keys.n`,
};

/**
 * The tenant's change rows folded into one with their sums (which keeps the version: the sums do not change).
 * Concurrent folds do not count a row twice: a row another fold deleted first is skipped, and the row that fold
 * inserted is not in this statement's snapshot.
 */
const FOLD = named(
  'live_user_counts_fold',
  `with folded as (delete from live_user_counts where tenant_id = $1 returning live, changes)
   insert into live_user_counts (tenant_id, live, changes)
   select $1::uuid, sum(live), sum(changes) from folded having count(*) > 0`,
);

const VACUUM: Statement = { text: 'vacuum (skip_locked) live_user_counts' };

const countFromRow = (row: Record<string, unknown> | undefined): LiveUserCount => ({
  total: Number(row?.live_total ?? 0),
  version: String(row?.live_version ?? '0'),
  changeRows: Number(row?.live_change_rows ?? 0),
});

/** The SQL of a tenant's SCIM pages without a filter: live users by creation, counted without a count. */
export const userPagesRepository = {
  async count(sql: SqlClient, tenantId: string): Promise<LiveUserCount> {
    const [row] = await sql.query<Record<string, unknown>>(TOTAL, [tenantId]);
    return countFromRow(row);
  },

  /** `size` live users from the `skip`-th after `after`, and the count of the same snapshot. */
  async page(sql: SqlClient, tenantId: string, after: UserPageKey, skip: number, size: number): Promise<LiveUserCount & { items: User[] }> {
    const rows = await sql.query<Record<string, unknown>>(PAGE[formFor(skip)], [tenantId, after.createdAt, after.id, size, skip]);
    return { ...countFromRow(rows[0]), items: rows.filter((row) => row.id !== null && row.id !== undefined).map(userFromRow) };
  },

  /** The same page as `page`, each user by id, version and photo only. */
  async pageVersions(sql: SqlClient, tenantId: string, after: UserPageKey, skip: number, size: number): Promise<LiveUserCount & { items: UserVersion[] }> {
    const rows = await sql.query<Record<string, unknown> & { id: string | null; version: number; photo_etag: string | null }>(PAGE_VERSIONS[formFor(skip)], [tenantId, after.createdAt, after.id, size, skip]);
    const items: UserVersion[] = [];
    for (const row of rows) if (row.id !== null) items.push({ id: row.id, version: row.version, photoEtag: row.photo_etag });
    return { ...countFromRow(rows[0]), items };
  },

  /** The key of every `stride`-th live user (positions stride − 1, 2·stride − 1, …), with their version. */
  async strideKeys(sql: SqlClient, tenantId: string, stride: number): Promise<{ version: string; keys: UserPageKey[] }> {
    const rows = await sql.query<{ live_version: string; created_at: string | null; id: string | null }>(STRIDE_KEYS, [tenantId, stride]);
    const keys = rows.filter((row) => row.id !== null).map((row) => ({ createdAt: row.created_at!, id: row.id! }));
    return { version: String(rows[0]?.live_version ?? '0'), keys };
  },

  async fold(sql: SqlClient, tenantId: string): Promise<void> {
    await sql.query(FOLD, [tenantId]);
  },

  /**
   * Removes the rows folds deleted (`sql` outside a transaction). Until then every count walks their index
   * entries and heap pages: 0.4 ms of PostgreSQL per page after folding 10,000 rows, which autovacuum, waking once
   * a minute, leaves in place for a whole listing. A role that does not own the table gets a warning, no error;
   * a vacuum of the table already under way is not waited for.
   */
  async vacuum(sql: SqlClient): Promise<void> {
    await sql.query(VACUUM, []);
  },
};
