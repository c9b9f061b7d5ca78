import type { EntityManager } from '@mikro-orm/postgresql';
import type { Scope } from '../shared/scope';
import { uuidArray } from '../shared/sql';
import type { ImageContentType } from './image-type';

/** Where a stored photo came from. */
export type PhotoSource = 'DIRECTORY' | 'UPLOAD';

export interface StoredPhoto {
  contentType: ImageContentType;
  bytes: Buffer;
  etag: string;
  source: PhotoSource;
  updatedAt: Date;
}

/** What the USER_PHOTO_CHANGED event says: its summary around the userName, and its detail. */
export interface PhotoEvent {
  summaryBefore: string;
  summaryAfter: string;
  detail: Record<string, unknown>;
}

export interface PhotoToStore {
  contentType: ImageContentType;
  bytes: Buffer;
  etag: string;
  source: PhotoSource;
  /** Entra's `@odata.mediaEtag` for a photo from Graph; an upload keeps the one already remembered. */
  directoryEtag?: string;
}

/**
 * Runs SQL on `em`'s connection (its transaction's when it is in one) with the values sent apart from the text.
 * `em.execute` writes every value into the SQL text: a 100 kB photo became a 200 kB hex literal to build, send and
 * parse; as a parameter it travels as its bytes.
 */
async function queryWithParameters<R>(em: EntityManager, sql: string, values: unknown[]): Promise<R[]> {
  const query = em.getKnex().raw(sql, values as never[]);
  const transaction = em.getTransactionContext();
  if (transaction) query.transacting(transaction);
  return ((await query) as { rows: R[] }).rows;
}

/** All SQL of users' photos: the `user_photos` table and its mirror `users.photo_etag`. */
export const photoRepository = {
  /** The photo of a live user, or null (no such user, a tombstone, or no photo). */
  async read(em: EntityManager, tenantId: string, userId: string): Promise<StoredPhoto | null> {
    const rows = await em.execute<{ content_type: ImageContentType; bytes: Buffer; etag: string; source: PhotoSource; updated_at: Date }[]>(
      `select p.content_type, p.bytes, p.etag, p.source, p.updated_at
         from user_photos p join users u on u.id = p.user_id
        where p.tenant_id = ? and p.user_id = ? and u.deleted_at is null`,
      [tenantId, userId],
    );
    const row = rows[0];
    return row ? { contentType: row.content_type, bytes: row.bytes, etag: row.etag, source: row.source, updatedAt: new Date(row.updated_at) } : null;
  },

  /** Only the ETag, for a conditional GET that needs no bytes. */
  async etagOf(em: EntityManager, tenantId: string, userId: string): Promise<string | null | undefined> {
    const rows = await em.execute<{ photo_etag: string | null }[]>(
      'select photo_etag from users where tenant_id = ? and id = ? and deleted_at is null',
      [tenantId, userId],
    );
    return rows.length === 0 ? undefined : rows[0].photo_etag;
  },

  /**
   * Stores a photo of a live user, points the user at it and records its USER_PHOTO_CHANGED event, in one
   * statement in the transaction of `em` (a directory sync stores thousands: one round trip each, the bytes sent
   * as a parameter). Returns the user's userName and the ETag they had before, or null when there is no such
   * live user (then nothing is written).
   */
  async storeWithEvent(em: EntityManager, scope: Scope, userId: string, photo: PhotoToStore, event: PhotoEvent): Promise<{ userName: string; previousEtag: string | null } | null> {
    const rows = await queryWithParameters<{ user_name: string; previous: string | null }>(
      em,
      `with target as (
         -- Locks the user: a concurrent deletion either happened before (no row) or waits for this to commit.
         select id, user_name, photo_etag from users where tenant_id = ? and id = ? and deleted_at is null for update
       ), pointed as (
         update users u set photo_etag = ? from target where u.id = target.id returning u.id
       ), stored as (
         insert into user_photos (user_id, tenant_id, content_type, bytes, etag, source, directory_etag, updated_at)
         select target.id, ?, ?, ?, ?, ?, cast(? as text), now() from target
         on conflict (user_id) do update set content_type = excluded.content_type, bytes = excluded.bytes, etag = excluded.etag,
           source = excluded.source, updated_at = now(),
           directory_etag = coalesce(excluded.directory_etag, user_photos.directory_etag)
         returning user_id
       ), recorded as (
         insert into provisioning_events (tenant_id, type, source, actor_kind, actor_id, actor_label, subject_type, subject_id,
                                          summary, changes, detail, request_id, outcome, occurred_at)
         select ?, 'USER_PHOTO_CHANGED', ?, ?, ?, ?, 'USER', target.id::text,
                ? || target.user_name || ?,
                jsonb_build_array(jsonb_build_object('attribute', 'photo', 'old', target.photo_etag, 'new', cast(? as text))),
                cast(? as jsonb), ?, 'SUCCESS', now()
           from target
         returning id
       )
       select target.user_name, target.photo_etag as previous from target`,
      [
        scope.tenantId, userId,
        photo.etag,
        scope.tenantId, photo.contentType, photo.bytes, photo.etag, photo.source, photo.directoryEtag ?? null,
        scope.tenantId, scope.source, scope.actor.kind, scope.actor.id, scope.actor.label,
        event.summaryBefore, event.summaryAfter,
        photo.etag,
        JSON.stringify(event.detail), scope.requestId,
      ],
    );
    return rows[0] ? { userName: rows[0].user_name, previousEtag: rows[0].previous } : null;
  },

  /** Entra's photo ETag remembered for each of these users (users without one are absent). */
  async directoryEtags(em: EntityManager, tenantId: string, userIds: string[]): Promise<Map<string, string>> {
    const rows = await em.execute<{ user_id: string; directory_etag: string }[]>(
      `select user_id, directory_etag from user_photos where tenant_id = ? and user_id = any(?::uuid[]) and directory_etag is not null`,
      [tenantId, uuidArray(userIds)],
    );
    return new Map(rows.map((r) => [r.user_id, r.directory_etag]));
  },

  /** Removes a user's photo (a deleted user keeps no picture of the person). */
  async remove(em: EntityManager, tenantId: string, userId: string): Promise<void> {
    await em.execute('delete from user_photos where tenant_id = ? and user_id = ?', [tenantId, userId]);
    await em.execute('update users set photo_etag = null where tenant_id = ? and id = ? and photo_etag is not null', [tenantId, userId]);
  },
};
