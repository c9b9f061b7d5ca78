import type { EntityManager } from '@mikro-orm/postgresql';
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

export interface PhotoToStore {
  contentType: ImageContentType;
  bytes: Buffer;
  etag: string;
  source: PhotoSource;
  /** Entra's `@odata.mediaEtag` for a photo from Graph; an upload keeps the one already remembered. */
  directoryEtag?: string;
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
   * Stores a photo of a live user and points the user at it, in the transaction of `em`. Returns the
   * user's userName and the ETag they had before, or null when there is no such live user (nothing written).
   */
  async store(em: EntityManager, tenantId: string, userId: string, photo: PhotoToStore): Promise<{ userName: string; previousEtag: string | null } | null> {
    // The update locks the user row: a concurrent deletion either happens before (no row) or waits.
    const users = await em.execute<{ user_name: string; previous: string | null }[]>(
      `update users u set photo_etag = ?
         from (select id, photo_etag from users where tenant_id = ? and id = ? and deleted_at is null for update) old
        where u.id = old.id
        returning u.user_name, old.photo_etag as previous`,
      [photo.etag, tenantId, userId],
    );
    if (users.length === 0) return null;
    await em.execute(
      `insert into user_photos (user_id, tenant_id, content_type, bytes, etag, source, directory_etag, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, now())
       on conflict (user_id) do update set content_type = excluded.content_type, bytes = excluded.bytes, etag = excluded.etag,
         source = excluded.source, updated_at = now(),
         directory_etag = coalesce(excluded.directory_etag, user_photos.directory_etag)`,
      [userId, tenantId, photo.contentType, photo.bytes, photo.etag, photo.source, photo.directoryEtag ?? null],
    );
    return { userName: users[0].user_name, previousEtag: users[0].previous };
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
