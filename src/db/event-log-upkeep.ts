import type { Orm } from './orm';

/**
 * Gives events restored from another cluster a place in this one's log. An event's position carries the id
 * of the transaction that wrote it; a database restored elsewhere (pg_dump, a move to a new server) brings
 * ids from the old cluster's counter, which may be ahead of the new one's. Such events look written by
 * transactions that have not started yet: the log would hide them and the live feed could never pass them.
 * They are older than anything this cluster wrote, so they take the first normal transaction id; their
 * order among themselves stays by event id. Returns how many moved (none on every start but the first
 * after such a restore). Cursors handed out before the move name events that moved and are refused.
 */
export async function rebaseForeignEventPositions(orm: Orm): Promise<number> {
  // xmax of a fresh snapshot is the first transaction id not yet handed out: no running or committed
  // transaction of this cluster has one at or above it.
  const result = await orm.em
    .getConnection()
    .execute<{ affectedRows: number }>(`update provisioning_events set tx_id = '3'::xid8 where tx_id >= pg_snapshot_xmax(pg_current_snapshot())`, [], 'run');
  return result.affectedRows;
}

/** The open transaction that started first, as an operator would look for it in pg_stat_activity. */
export interface OpenTransaction {
  pid: number;
  state: string | null;
  applicationName: string | null;
  clientAddress: string | null;
  transactionStartedAt: Date | null;
}

/**
 * The oldest transaction holding a transaction id on the database: what keeps the live feed's floor (and
 * VACUUM) back. Its query text is left out: it may carry data. Null when there is none, or none this role
 * may see.
 */
export async function oldestOpenTransaction(orm: Orm): Promise<OpenTransaction | null> {
  const [row] = await orm.em.getConnection().execute<
    { pid: number; state: string | null; application_name: string | null; client_addr: string | null; xact_start_ms: number | null }[]
  >(
    `select pid, state, application_name, client_addr::text as client_addr, (extract(epoch from xact_start) * 1000)::float8 as xact_start_ms
       from pg_stat_activity
      where backend_xid is not null and datname = current_database() and pid <> pg_backend_pid()
      order by age(backend_xid) desc limit 1`,
  );
  if (!row) return null;
  const transactionStartedAt = row.xact_start_ms === null ? null : new Date(row.xact_start_ms);
  return { pid: row.pid, state: row.state, applicationName: row.application_name, clientAddress: row.client_addr, transactionStartedAt };
}
