import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

export type SyncState = 'RUNNING' | 'SUCCEEDED' | 'FAILED';
export type SyncTrigger = 'SCHEDULE' | 'ON_DEMAND';
export type ExpiryPhase = 'EXPIRING' | 'EXPIRED';

/** A tenant's directory provider as stored: the secret only sealed. */
export interface ProviderRow {
  tenantId: string;
  directoryTenantId: string;
  clientId: string;
  clientSecretSealed: string;
  secretExpiresAt: Date | null;
  expiryWarned: ExpiryPhase | null;
  configuredAt: Date;
}

export interface SyncCounts {
  photosDownloaded: number;
  photosUnchanged: number;
  photosSkipped: number;
  usersWithoutPhoto: number;
}

export interface SyncRecord extends SyncCounts {
  id: string;
  tenantId: string;
  state: SyncState;
  trigger: SyncTrigger;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

/** A user as the sync needs them: how Graph knows them. */
export interface SyncUser {
  id: string;
  userName: string;
  externalId: string | null;
  idpObjectId: string | null;
}

/** A running sync whose process has not said it is alive for this long is taken for dead. */
export const SYNC_HEARTBEAT_STALE_SECONDS = 120;

const toProvider = (r: Record<string, unknown>): ProviderRow => ({
  tenantId: r.tenant_id as string,
  directoryTenantId: r.directory_tenant_id as string,
  clientId: r.client_id as string,
  clientSecretSealed: r.client_secret_sealed as string,
  secretExpiresAt: r.secret_expires_at ? new Date(r.secret_expires_at as string) : null,
  expiryWarned: (r.expiry_warned as ExpiryPhase | null) ?? null,
  configuredAt: new Date(r.configured_at as string),
});

const toSync = (r: Record<string, unknown>): SyncRecord => ({
  id: r.id as string,
  tenantId: r.tenant_id as string,
  state: r.state as SyncState,
  trigger: r.trigger as SyncTrigger,
  startedAt: new Date(r.started_at as string),
  finishedAt: r.finished_at ? new Date(r.finished_at as string) : null,
  photosDownloaded: Number(r.photos_downloaded),
  photosUnchanged: Number(r.photos_unchanged),
  photosSkipped: Number(r.photos_skipped),
  usersWithoutPhoto: Number(r.users_without_photo),
  error: (r.error as string | null) ?? null,
});

/** All SQL of directory providers and their syncs. */
export const directoryProviderRepository = {
  async find(em: EntityManager, tenantId: string): Promise<ProviderRow | null> {
    const rows = await em.execute<Record<string, unknown>[]>('select * from directory_providers where tenant_id = ?', [tenantId]);
    return rows[0] ? toProvider(rows[0]) : null;
  },

  /** Inserts or replaces the provider; a new expiry date starts with no expiry warning raised (the same one keeps it). */
  async save(em: EntityManager, row: Omit<ProviderRow, 'expiryWarned' | 'configuredAt'>): Promise<ProviderRow | null> {
    const before = await em.execute<Record<string, unknown>[]>('select * from directory_providers where tenant_id = ? for update', [row.tenantId]);
    await em.execute(
      `insert into directory_providers (tenant_id, directory_tenant_id, client_id, client_secret_sealed, secret_expires_at, expiry_warned, configured_at)
       values (?, ?, ?, ?, ?, null, now())
       on conflict (tenant_id) do update set directory_tenant_id = excluded.directory_tenant_id, client_id = excluded.client_id,
         client_secret_sealed = excluded.client_secret_sealed, secret_expires_at = excluded.secret_expires_at,
         expiry_warned = case when directory_providers.secret_expires_at is not distinct from excluded.secret_expires_at
                              then directory_providers.expiry_warned end,
         configured_at = now()`,
      [row.tenantId, row.directoryTenantId, row.clientId, row.clientSecretSealed, row.secretExpiresAt],
    );
    return before[0] ? toProvider(before[0]) : null;
  },

  async remove(em: EntityManager, tenantId: string): Promise<ProviderRow | null> {
    const rows = await em.execute<Record<string, unknown>[]>('delete from directory_providers where tenant_id = ? returning *', [tenantId]);
    return rows[0] ? toProvider(rows[0]) : null;
  },

  /**
   * Moves the expiry warning to the phase the secret is in now (EXPIRING within `warningDays` of its expiry,
   * EXPIRED past it), judged by the database's clock in one statement: of every process checking at once, one
   * moves it and learns the new phase (with the expiry); the others, and a phase already raised, get null.
   */
  async raiseExpiryPhase(em: EntityManager, tenantId: string, warningDays: number): Promise<{ phase: ExpiryPhase; secretExpiresAt: Date } | null> {
    const rows = await em.execute<{ expiry_warned: ExpiryPhase; secret_expires_at: string }[]>(
      `update directory_providers
          set expiry_warned = case when secret_expires_at <= now() then 'EXPIRED' else 'EXPIRING' end
        where tenant_id = ? and secret_expires_at is not null
          and secret_expires_at <= now() + make_interval(days => ?)
          and expiry_warned is distinct from 'EXPIRED'
          and expiry_warned is distinct from (case when secret_expires_at <= now() then 'EXPIRED' else 'EXPIRING' end)
        returning expiry_warned, secret_expires_at`,
      [tenantId, warningDays],
    );
    return rows[0] ? { phase: rows[0].expiry_warned, secretExpiresAt: new Date(rows[0].secret_expires_at) } : null;
  },

  /** Every provider with its tenant's slug (for the schedule, the expiry checks and the metric). */
  async listAll(em: EntityManager): Promise<(ProviderRow & { slug: string })[]> {
    const rows = await em.execute<Record<string, unknown>[]>(
      'select p.*, t.slug from directory_providers p join tenants t on t.id = p.tenant_id order by t.slug',
    );
    return rows.map((r) => ({ ...toProvider(r), slug: r.slug as string }));
  },

  /**
   * Slugs of tenants whose last sync started before `before` (or that never synced). A running sync holds its
   * tenant back only while its process still says it is alive: one whose process died is taken over.
   */
  async dueForSync(em: EntityManager, before: Date): Promise<string[]> {
    const rows = await em.execute<{ slug: string }[]>(
      `select t.slug from directory_providers p join tenants t on t.id = p.tenant_id
        where not exists (select 1 from directory_syncs s
                           where s.tenant_id = p.tenant_id
                             and case when s.state = 'RUNNING' then s.heartbeat_at >= now() - make_interval(secs => ?)
                                      else s.started_at >= ? end)
        order by t.slug`,
      [SYNC_HEARTBEAT_STALE_SECONDS, before],
    );
    return rows.map((r) => r.slug);
  },

  /**
   * Starts a sync unless one of the tenant runs (in any process): the partial unique index decides. A running
   * sync whose heartbeat stopped is failed first (returned in `takenOver`, for its event). Returns the new sync,
   * or the one already running.
   */
  async claimSync(em: EntityManager, tenantId: string, trigger: SyncTrigger): Promise<{ sync: SyncRecord; started: boolean; takenOver: SyncRecord[] }> {
    const takenOver = await em.execute<Record<string, unknown>[]>(
      `update directory_syncs set state = 'FAILED', finished_at = now(),
              error = 'The process running this sync stopped before it finished; the next sync starts over'
        where tenant_id = ? and state = 'RUNNING' and heartbeat_at < now() - make_interval(secs => ?)
        returning *`,
      [tenantId, SYNC_HEARTBEAT_STALE_SECONDS],
    );
    for (;;) {
      const inserted = await em.execute<Record<string, unknown>[]>(
        `insert into directory_syncs (id, tenant_id, state, trigger) values (?, ?, 'RUNNING', ?)
         on conflict (tenant_id) where state = 'RUNNING' do nothing returning *`,
        [randomUUID(), tenantId, trigger],
      );
      if (inserted[0]) return { sync: toSync(inserted[0]), started: true, takenOver: takenOver.map(toSync) };
      const running = await em.execute<Record<string, unknown>[]>(`select * from directory_syncs where tenant_id = ? and state = 'RUNNING'`, [tenantId]);
      // The running one finished between the two statements: try to start again.
      if (running[0]) return { sync: toSync(running[0]), started: false, takenOver: takenOver.map(toSync) };
    }
  },

  /** Says the sync is alive (and how far it got); false when it no longer runs (failed by another process, or removed). */
  async heartbeat(em: EntityManager, tenantId: string, syncId: string, counts: SyncCounts): Promise<boolean> {
    const rows = await em.execute<{ id: string }[]>(
      `update directory_syncs set heartbeat_at = now(), photos_downloaded = ?, photos_unchanged = ?, photos_skipped = ?, users_without_photo = ?
        where tenant_id = ? and id = ? and state = 'RUNNING' returning id`,
      [counts.photosDownloaded, counts.photosUnchanged, counts.photosSkipped, counts.usersWithoutPhoto, tenantId, syncId],
    );
    return rows.length > 0;
  },

  /** Ends a running sync; null when it was no longer running (taken for dead by another process, or removed). */
  async finish(em: EntityManager, tenantId: string, syncId: string, state: 'SUCCEEDED' | 'FAILED', counts: SyncCounts, error: string | null): Promise<SyncRecord | null> {
    const rows = await em.execute<Record<string, unknown>[]>(
      `update directory_syncs set state = ?, finished_at = now(), heartbeat_at = now(), error = ?,
              photos_downloaded = ?, photos_unchanged = ?, photos_skipped = ?, users_without_photo = ?
        where tenant_id = ? and id = ? and state = 'RUNNING' returning *`,
      [state, error, counts.photosDownloaded, counts.photosUnchanged, counts.photosSkipped, counts.usersWithoutPhoto, tenantId, syncId],
    );
    return rows[0] ? toSync(rows[0]) : null;
  },

  /** Fails the tenant's running sync (the provider is being removed); its process sees it at its next heartbeat. */
  async failRunning(em: EntityManager, tenantId: string, error: string): Promise<SyncRecord[]> {
    const rows = await em.execute<Record<string, unknown>[]>(
      `update directory_syncs set state = 'FAILED', finished_at = now(), error = ? where tenant_id = ? and state = 'RUNNING' returning *`,
      [error, tenantId],
    );
    return rows.map(toSync);
  },

  async lastSync(em: EntityManager, tenantId: string): Promise<SyncRecord | null> {
    const rows = await em.execute<Record<string, unknown>[]>(
      'select * from directory_syncs where tenant_id = ? order by started_at desc limit 1',
      [tenantId],
    );
    return rows[0] ? toSync(rows[0]) : null;
  },

  async syncById(em: EntityManager, tenantId: string, syncId: string): Promise<SyncRecord | null> {
    const rows = await em.execute<Record<string, unknown>[]>('select * from directory_syncs where tenant_id = ? and id = ?', [tenantId, syncId]);
    return rows[0] ? toSync(rows[0]) : null;
  },

  /** The tenant's live users after `afterId`, in id order: the sync walks them in pages, holding one at a time. */
  async usersPage(em: EntityManager, tenantId: string, afterId: string | null, limit: number): Promise<SyncUser[]> {
    const rows = await em.execute<{ id: string; user_name: string; external_id: string | null; idp_object_id: string | null }[]>(
      `select id, user_name, external_id, idp_object_id from users
        where tenant_id = ? and deleted_at is null and (?::uuid is null or id > ?::uuid)
        order by id limit ?`,
      [tenantId, afterId, afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, userName: r.user_name, externalId: r.external_id, idpObjectId: r.idp_object_id }));
  },
};
