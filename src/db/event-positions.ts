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
