import { Migration } from '@mikro-orm/migrations';

/**
 * A SCIM page of users (`startIndex`, `count`) is ordered by creation among the tenant's live users. With
 * `(tenant_id, created_at, id)` over every row, tombstones included, PostgreSQL preferred the live-users index
 * and sorted all of the tenant's ids to skip `startIndex` of them (18 ms of its CPU per page late in 10,000
 * users). Restricted to live rows, the index is the page's order and its total: both are walks of it.
 */
export class Migration20261201300000_live_users_by_creation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index users_tenant_created;`);
    this.addSql(`create index users_tenant_created_live on users (tenant_id, created_at, id) where deleted_at is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index users_tenant_created_live;`);
    this.addSql(`create index users_tenant_created on users (tenant_id, created_at, id);`);
  }
}
