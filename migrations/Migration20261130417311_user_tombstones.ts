import { Migration } from '@mikro-orm/migrations';

/**
 * Recoverable deprovisioning: a deleted user stays as a tombstone (`deleted_at`) until the retention job purges
 * it. userName stays unique among live users only, so a tombstone never blocks a different person.
 */
export class Migration20261130417311_user_tombstones extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table users add column deleted_at timestamptz null;`);
    this.addSql(`alter table users add column deleted_group_ids jsonb not null default '[]';`);
    this.addSql(`drop index users_tenant_user_name_ci;`);
    this.addSql(`create unique index users_tenant_user_name_ci on users (tenant_id, lower(user_name)) where deleted_at is null;`);
    this.addSql(`create index users_tenant_deleted on users (tenant_id, deleted_at desc, id) where deleted_at is not null;`);
    this.addSql(`create index users_deleted_at on users (deleted_at) where deleted_at is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from users where deleted_at is not null;`);
    this.addSql(`drop index users_deleted_at;`);
    this.addSql(`drop index users_tenant_deleted;`);
    this.addSql(`drop index users_tenant_user_name_ci;`);
    this.addSql(`create unique index users_tenant_user_name_ci on users (tenant_id, lower(user_name));`);
    this.addSql(`alter table users drop column deleted_group_ids;`);
    this.addSql(`alter table users drop column deleted_at;`);
  }
}
