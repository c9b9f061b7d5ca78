import { Migration } from '@mikro-orm/migrations';

/**
 * Microsoft Entra ID as a directory provider (profile photos through Microsoft Graph, SPEC §6).
 *
 * - `directory_providers`: one per tenant; the client secret only sealed (AES-256-GCM, PORTICO_SECRET_KEY).
 *   `expiry_warned` remembers which expiry warning was raised, so each fires once across every process.
 * - `directory_syncs`: one row per sync. The partial unique index lets at most one sync of a tenant run at a
 *   time across every process; `heartbeat_at` tells a running sync from one whose process died.
 * - `user_photos`: the stored photo of a user (bytes, sniffed content type, our ETag, where it came from).
 *   `directory_etag` is Entra's `@odata.mediaEtag` seen at the last sync, kept when the person uploads their
 *   own, so an unchanged Entra photo neither replaces the upload nor is downloaded again.
 * - `users.photo_etag` mirrors `user_photos.etag` so reads that only need to know whether a photo exists (SCIM
 *   `photos`, GraphQL `photoUrl`) read no other table; `users.idp_object_id` is the objectidentifier claim last
 *   seen at SAML sign-in, one of the ways Graph is asked for the user.
 */
export class Migration20261130550000_directory_provider extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table directory_providers (
        tenant_id uuid primary key references tenants(id) on delete cascade,
        directory_tenant_id text not null,
        client_id text not null,
        client_secret_sealed text not null,
        secret_expires_at timestamptz null,
        expiry_warned text null check (expiry_warned in ('EXPIRING', 'EXPIRED')),
        configured_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table directory_syncs (
        id uuid primary key,
        tenant_id uuid not null references tenants(id) on delete cascade,
        state text not null check (state in ('RUNNING', 'SUCCEEDED', 'FAILED')),
        trigger text not null check (trigger in ('SCHEDULE', 'ON_DEMAND')),
        started_at timestamptz not null default now(),
        heartbeat_at timestamptz not null default now(),
        finished_at timestamptz null,
        photos_downloaded integer not null default 0,
        photos_unchanged integer not null default 0,
        photos_skipped integer not null default 0,
        users_without_photo integer not null default 0,
        error text null
      );`);
    this.addSql(`create unique index directory_syncs_one_running on directory_syncs (tenant_id) where state = 'RUNNING';`);
    this.addSql(`create index directory_syncs_tenant_started on directory_syncs (tenant_id, started_at desc);`);
    this.addSql(`
      create table user_photos (
        user_id uuid primary key references users(id) on delete cascade,
        tenant_id uuid not null references tenants(id) on delete cascade,
        content_type text not null,
        bytes bytea not null,
        etag text not null,
        source text not null check (source in ('DIRECTORY', 'UPLOAD')),
        directory_etag text null,
        updated_at timestamptz not null default now()
      );`);
    // Photos are compressed already (JPEG, PNG, WebP): PostgreSQL need not try to compress them again.
    this.addSql(`alter table user_photos alter column bytes set storage external;`);
    this.addSql(`create index user_photos_tenant on user_photos (tenant_id);`);
    this.addSql(`alter table users add column photo_etag text null, add column idp_object_id text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table users drop column photo_etag, drop column idp_object_id;`);
    this.addSql(`drop table user_photos;`);
    this.addSql(`drop table directory_syncs;`);
    this.addSql(`drop table directory_providers;`);
  }
}
